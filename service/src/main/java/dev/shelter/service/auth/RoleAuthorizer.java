package dev.shelter.service.auth;

import io.dropwizard.auth.Authorizer;
import jakarta.ws.rs.container.ContainerRequestContext;

import java.util.Locale;

/** {@code @RolesAllowed("operator")} admits operators and admins: roles are ranked, not listed. */
public final class RoleAuthorizer implements Authorizer<Caller> {

    @Override
    public boolean authorize(Caller caller, String requiredRole, ContainerRequestContext requestContext) {
        return caller.role().includes(Role.valueOf(requiredRole.toUpperCase(Locale.ROOT)));
    }
}
