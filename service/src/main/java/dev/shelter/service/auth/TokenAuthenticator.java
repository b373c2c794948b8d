package dev.shelter.service.auth;

import io.dropwizard.auth.Authenticator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Finds the caller for a bearer token. Tokens are kept only as SHA-256 digests and every
 * configured digest is compared in constant time, so neither the match nor its position
 * shows in the response time.
 */
public final class TokenAuthenticator implements Authenticator<String, Caller> {

    private record KnownToken(byte[] digest, Caller caller) {
    }

    /** A configured token, before hashing. */
    public record Grant(String name, Role role, String token) {
        @Override
        public String toString() {
            return "Grant[" + name + ", " + role + "]";
        }
    }

    private final List<KnownToken> known;

    public TokenAuthenticator(List<Grant> grants) {
        this.known = grants.stream().map(g -> new KnownToken(digest(g.token()), new Caller(g.name(), g.role()))).toList();
    }

    @Override
    public Optional<Caller> authenticate(String presented) {
        byte[] digest = digest(presented);
        Caller found = null;
        for (KnownToken token : known) {
            if (MessageDigest.isEqual(token.digest(), digest)) {
                found = token.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
