package dev.shelter.service.auth;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenAuthenticatorTest {

    private final TokenAuthenticator authenticator = new TokenAuthenticator(List.of(
            new TokenAuthenticator.Grant("ops", Role.ADMIN, "admin-token-0123456789"),
            new TokenAuthenticator.Grant("dash", Role.VIEWER, "viewer-token-0123456789")));

    @Test
    void findsTheCallerOfAKnownToken() {
        assertEquals(Optional.of(new Caller("ops", Role.ADMIN)), authenticator.authenticate("admin-token-0123456789"));
        assertEquals(Optional.of(new Caller("dash", Role.VIEWER)), authenticator.authenticate("viewer-token-0123456789"));
    }

    @Test
    void refusesUnknownPrefixAndEmptyTokens() {
        assertTrue(authenticator.authenticate("admin-token-012345678").isEmpty());
        assertTrue(authenticator.authenticate("admin-token-01234567890").isEmpty());
        assertTrue(authenticator.authenticate("").isEmpty());
    }

    @Test
    void rolesAreRanked() {
        assertTrue(Role.ADMIN.includes(Role.OPERATOR));
        assertTrue(Role.OPERATOR.includes(Role.VIEWER));
        assertFalse(Role.VIEWER.includes(Role.OPERATOR));
        assertFalse(Role.OPERATOR.includes(Role.ADMIN));
    }

    @Test
    void grantsDoNotPrintTheirToken() {
        assertFalse(new TokenAuthenticator.Grant("ops", Role.ADMIN, "admin-token-0123456789").toString().contains("0123456789"));
    }
}
