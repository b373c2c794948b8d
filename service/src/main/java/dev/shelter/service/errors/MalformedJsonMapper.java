package dev.shelter.service.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/**
 * A body that is not the JSON an endpoint takes: 400, saying where and what, without echoing
 * Jackson's internals (class names, source references).
 */
public final class MalformedJsonMapper implements ExceptionMapper<JsonProcessingException> {

    @Override
    public Response toResponse(JsonProcessingException exception) {
        return DomainErrorMapper.json(Response.Status.BAD_REQUEST, describe(exception));
    }

    static String describe(JsonProcessingException exception) {
        String where = exception.getLocation() == null ? ""
                : " at line " + exception.getLocation().getLineNr() + ", column " + exception.getLocation().getColumnNr();
        if (exception instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "'" + where;
        }
        if (exception instanceof InvalidFormatException invalid) {
            return "invalid value " + invalid.getValue() + " for " + fieldPath(invalid) + where;
        }
        if (exception instanceof MismatchedInputException mismatched && !mismatched.getPath().isEmpty()) {
            return "wrong type for " + fieldPath(mismatched) + where;
        }
        return "malformed JSON" + where + ": " + firstLine(exception.getOriginalMessage());
    }

    private static String fieldPath(MismatchedInputException exception) {
        StringBuilder path = new StringBuilder("'");
        exception.getPath().forEach(ref -> path.append(ref.getFieldName() != null ? (path.length() > 1 ? "." : "") + ref.getFieldName()
                : "[" + ref.getIndex() + "]"));
        return path.append("'").toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable body";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
