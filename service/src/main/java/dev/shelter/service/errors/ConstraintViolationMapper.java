package dev.shelter.service.errors;

import io.dropwizard.jersey.validation.JerseyViolationException;
import jakarta.validation.ConstraintViolation;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import java.util.stream.Collectors;

/** Bean-validation failures on a request: 400 naming each field and rule, in the one error shape. */
public final class ConstraintViolationMapper implements ExceptionMapper<JerseyViolationException> {

    @Override
    public Response toResponse(JerseyViolationException exception) {
        String message = exception.getConstraintViolations().stream()
                .map(ConstraintViolationMapper::describe)
                .sorted()
                .collect(Collectors.joining("; "));
        return DomainErrorMapper.json(Response.Status.BAD_REQUEST, message);
    }

    private static String describe(ConstraintViolation<?> violation) {
        String path = violation.getPropertyPath().toString();
        // Drop the "method.argN." prefix Jersey adds; keep the field name.
        int dot = path.lastIndexOf('.');
        String field = dot < 0 ? path : path.substring(dot + 1);
        return (field.startsWith("arg") ? "body" : field) + " " + violation.getMessage();
    }
}
