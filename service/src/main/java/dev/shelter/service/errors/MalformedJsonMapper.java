package dev.shelter.service.errors;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A body that is not the JSON an endpoint takes: 400, naming the field and what it must be.
 * Jackson's own words are not passed on: they name classes, features and source references.
 */
public final class MalformedJsonMapper implements ExceptionMapper<JsonProcessingException> {

    /** Jackson's "Cannot coerce String value ("true") to ..." keeps the value only in its message. */
    private static final Pattern COERCED_VALUE = Pattern.compile("^Cannot coerce \\w+ value \\((.{1,60}?)\\) to ");

    @Override
    public Response toResponse(JsonProcessingException exception) {
        return DomainErrorMapper.json(Response.Status.BAD_REQUEST, describe(exception));
    }

    static String describe(JsonProcessingException exception) {
        String where = exception.getLocation() == null || exception.getLocation().getLineNr() < 1 ? ""
                : " (line " + exception.getLocation().getLineNr() + ", column " + exception.getLocation().getColumnNr() + ")";
        if (exception instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "'" + known(unknown.getKnownPropertyIds()) + where;
        }
        if (exception instanceof MismatchedInputException mismatched) {
            if (String.valueOf(mismatched.getOriginalMessage()).startsWith("Trailing token")) {
                return "malformed JSON" + where + ": content after the JSON object";
            }
            if (mismatched.getPath().isEmpty()) {
                return "the body must be a JSON object" + where;
            }
            return fieldPath(mismatched) + " must be " + expected(mismatched.getTargetType()) + given(mismatched) + where;
        }
        if (exception instanceof StreamConstraintsException) {
            return "the body has a value too long or nested too deep" + where;
        }
        if (exception instanceof JsonParseException parse) {
            return "malformed JSON" + where + ": " + parseProblem(parse.getOriginalMessage());
        }
        if (exception instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return "invalid value for " + fieldPath(mapping) + where;
        }
        return "the body is not what this endpoint takes" + where;
    }

    /** Jackson's parse messages say what was found; only the ones that mention its own names are rewritten. */
    private static String parseProblem(String message) {
        if (message == null) {
            return "unreadable body";
        }
        if (message.startsWith("Duplicate field")) {
            return message.replace("Duplicate field", "duplicate field").replaceAll("\\s*\\n.*", "");
        }
        if (message.contains("Trailing token") || message.contains("TRAILING_TOKENS")) {
            return "content after the JSON object";
        }
        if (message.contains("end-of-input")) {
            return "the body ends before the JSON does";
        }
        String first = message.lines().findFirst().orElse(message);
        return first.contains("Feature") || first.contains("Constraints") || first.contains("`") ? "not valid JSON" : first;
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a valid value";
        }
        if (type == String.class || type.isEnum()) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /** The value the client sent, where Jackson kept it: ", not 5" or ", not \"true\"". */
    private static String given(MismatchedInputException exception) {
        if (exception instanceof InvalidFormatException invalid) {
            return ", not " + (invalid.getValue() instanceof String text ? "\"" + text + "\"" : String.valueOf(invalid.getValue()));
        }
        Matcher coerced = COERCED_VALUE.matcher(String.valueOf(exception.getOriginalMessage()));
        return coerced.find() ? ", not " + coerced.group(1) : "";
    }

    private static String known(Collection<Object> ids) {
        return ids == null || ids.isEmpty() ? "" : "; the fields are " + ids.stream().map(Object::toString).sorted()
                .collect(Collectors.joining(", "));
    }

    private static String fieldPath(JsonMappingException exception) {
        StringBuilder path = new StringBuilder("'");
        exception.getPath().forEach(ref -> path.append(ref.getFieldName() != null ? (path.length() > 1 ? "." : "") + ref.getFieldName()
                : "[" + ref.getIndex() + "]"));
        return path.append("'").toString();
    }
}
