package dev.shelter.service.edge;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Response;

import java.util.Collection;
import java.util.Locale;

/**
 * A token belongs in the Authorization header, never in a URL: URLs end up in access logs,
 * proxies and browser histories. Dropwizard's OAuth filter would take {@code ?access_token=};
 * this refuses such a request before it gets there, whatever else it asks.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
public final class QueryTokenRefusal implements ContainerRequestFilter {

    static final String REFUSAL = "a token in the URL is refused: send it as the header 'Authorization: Bearer <token>'";

    @Override
    public void filter(ContainerRequestContext request) {
        if (namesAToken(request.getUriInfo().getQueryParameters().keySet())) {
            throw new WebApplicationException(REFUSAL, Response.Status.BAD_REQUEST);
        }
    }

    /** Whether any of the query parameters is a token, as OAuth spells it, in any case. */
    static boolean namesAToken(Collection<String> queryParameters) {
        return queryParameters.stream().anyMatch(name -> name.toLowerCase(Locale.ROOT).equals("access_token"));
    }
}
