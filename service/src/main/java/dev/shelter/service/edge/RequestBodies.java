package dev.shelter.service.edge;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeoutException;

/**
 * Reads a request body up to a cap. A client that stalls or hangs up mid-body is the client's
 * fault: 408 or 400 and one WARN line, never a 500 or a stack trace in the log.
 */
public final class RequestBodies {

    private static final Logger LOG = LoggerFactory.getLogger(RequestBodies.class);

    private RequestBodies() {
    }

    /** Up to {@code max + 1} bytes, so the caller can tell "exactly the cap" from "more". */
    public static byte[] readUpTo(InputStream body, int max, String what) {
        try {
            return body.readNBytes(max + 1);
        } catch (IOException e) {
            if (causedBy(e, TimeoutException.class)) {
                LOG.warn("the client stopped sending {} before its end: {}", what, e.getMessage());
                throw new WebApplicationException("the body of " + what + " stopped arriving before its end; send it again",
                        Response.Status.REQUEST_TIMEOUT);
            }
            LOG.warn("the client's body of {} broke off: {}", what, e.toString());
            throw new WebApplicationException("the body of " + what + " broke off before its end; send it again",
                    Response.Status.BAD_REQUEST);
        }
    }

    public static WebApplicationException tooLarge(String what, int max) {
        return new WebApplicationException(what + " is larger than " + max + " bytes, the most it may be",
                Response.Status.REQUEST_ENTITY_TOO_LARGE);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> kind) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (kind.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
