package dev.shelter.service.errors;

import dev.shelter.runbooks.failure.ClusterUnreachableException;
import dev.shelter.runbooks.failure.ConflictException;
import dev.shelter.runbooks.failure.UseCaseException;
import dev.shelter.service.core.InvalidRequestException;
import dev.shelter.service.core.RestoreNotPossibleException;
import dev.shelter.service.core.UnknownBackupException;
import dev.shelter.service.core.UnknownClusterException;
import dev.shelter.service.core.UnknownRestoreException;
import dev.shelter.service.core.UnknownScheduleException;
import dev.shelter.service.core.UnknownWalFileException;
import io.dropwizard.jersey.errors.ErrorMessage;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** The one place that decides which HTTP status a use case's failure becomes. */
public final class DomainErrorMapper implements ExceptionMapper<UseCaseException> {

    @Override
    public Response toResponse(UseCaseException exception) {
        return json(statusOf(exception), exception.getMessage());
    }

    /** 422: the request is well-formed, but what it asks cannot be done from what exists. */
    private static final Response.StatusType UNPROCESSABLE = new Response.StatusType() {
        @Override
        public int getStatusCode() {
            return 422;
        }

        @Override
        public Response.Status.Family getFamily() {
            return Response.Status.Family.CLIENT_ERROR;
        }

        @Override
        public String getReasonPhrase() {
            return "Unprocessable Content";
        }
    };

    private static Response.StatusType statusOf(UseCaseException exception) {
        if (exception instanceof UnknownClusterException) {
            return Response.Status.NOT_FOUND;
        }
        if (exception instanceof UnknownBackupException || exception instanceof UnknownWalFileException
                || exception instanceof UnknownRestoreException || exception instanceof UnknownScheduleException) {
            return Response.Status.NOT_FOUND;
        }
        if (exception instanceof InvalidRequestException) {
            return Response.Status.BAD_REQUEST;
        }
        if (exception instanceof ConflictException) {
            return Response.Status.CONFLICT;
        }
        if (exception instanceof RestoreNotPossibleException) {
            return UNPROCESSABLE;
        }
        if (exception instanceof ClusterUnreachableException) {
            return Response.Status.SERVICE_UNAVAILABLE;
        }
        return Response.Status.INTERNAL_SERVER_ERROR;
    }

    static Response json(Response.StatusType status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorMessage(status.getStatusCode(), message)).build();
    }
}
