package dev.shelter.runbooks.patroni;

import java.util.Objects;

/** Basic auth for Patroni's REST API ({@code restapi.authentication}), which guards every call that changes something. */
public record PatroniCredentials(String username, String password) {

    public PatroniCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "PatroniCredentials[" + username + "]";
    }
}
