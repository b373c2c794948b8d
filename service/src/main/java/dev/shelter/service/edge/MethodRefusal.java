package dev.shelter.service.edge;

import jakarta.annotation.Priority;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;

import java.util.Set;

/**
 * Only the methods the API uses are served (and HEAD, GET's twin). JAX-RS would answer OPTIONS
 * on any path without a token, listing its methods; OPTIONS, TRACE and unknown methods are
 * refused instead: 405 with the JSON error, before authentication.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 200)
public final class MethodRefusal implements ContainerRequestFilter {

    private static final Set<String> SERVED = Set.of("GET", "HEAD", "POST", "PUT", "DELETE");

    @Override
    public void filter(ContainerRequestContext request) {
        if (!SERVED.contains(request.getMethod())) {
            throw new NotAllowedException("method " + request.getMethod() + " is not served; the API uses GET, POST, PUT and DELETE",
                    "GET", new String[] {"POST", "PUT", "DELETE"});
        }
    }
}
