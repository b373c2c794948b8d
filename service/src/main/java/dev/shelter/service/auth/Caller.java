package dev.shelter.service.auth;

import java.security.Principal;

/** Who made a request: the token's configured name and role (never the token). */
public record Caller(String name, Role role) implements Principal {

    @Override
    public String getName() {
        return name;
    }
}
