package dev.shelter.service.edge;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.HttpHeaders;

import java.io.IOException;
import java.io.InputStream;

/**
 * A refusal (401, 403, 404, 409…) of a request whose body is still arriving is answered after
 * reading that body, up to a bound. Otherwise the server answers and closes while the client is
 * still sending, and a client such as curl in archive_command sees a broken connection instead
 * of the refusal and its reason. A client that sent {@code Expect: 100-continue} has sent no
 * body yet and will send none after a refusal, so nothing is read for it; a body declared larger
 * than the bound is not read either (its connection is closed after the answer).
 */
public final class RefusedUploadDrain implements ContainerResponseFilter {

    /** The largest body a refusal waits for: the WAL endpoint's cap and a little more. */
    static final long BOUND = 65L * 1024 * 1024;
    /** A body that already stopped arriving is not waited for again. */
    private static final int REQUEST_TIMEOUT = 408;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() < 400 || response.getStatus() == REQUEST_TIMEOUT
                || "100-continue".equalsIgnoreCase(request.getHeaderString("Expect"))) {
            return;
        }
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && (!declared.matches("\\d{1,18}") || Long.parseLong(declared) > BOUND)) {
            return;
        }
        byte[] sink = new byte[64 * 1024];
        long left = BOUND;
        try {
            if (!request.hasEntity()) {
                return;
            }
            InputStream body = request.getEntityStream();
            for (int n = body.read(sink); n > 0 && left > 0; n = body.read(sink)) {
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            // Already read and closed by the resource (IllegalStateException), or the client stalled or went
            // away (ProcessingException): the answer goes out as it is.
        }
    }
}
