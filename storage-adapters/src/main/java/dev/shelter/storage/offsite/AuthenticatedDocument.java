package dev.shelter.storage.offsite;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/** A manifest's envelope: its magic, its body, then a 32-byte checksum of both from {@link ChunkSealing#authenticate}. */
final class AuthenticatedDocument {

    private AuthenticatedDocument() {
    }

    static byte[] seal(ChunkSealing sealing, byte[] body) {
        byte[] stored = Arrays.copyOf(body, body.length + 32);
        System.arraycopy(sealing.authenticate(body), 0, stored, body.length, 32);
        return stored;
    }

    /** The body (magic included), checked; {@link CorruptManifestException} naming {@code what} if it is not one or fails its checksum. */
    static byte[] open(ChunkSealing sealing, String magic, String what, byte[] stored) {
        byte[] expected = magic.getBytes(StandardCharsets.US_ASCII);
        if (stored.length < expected.length + 32 || !Arrays.equals(stored, 0, expected.length, expected, 0, expected.length)) {
            throw new CorruptManifestException(what + " is not one");
        }
        byte[] body = Arrays.copyOf(stored, stored.length - 32);
        if (!MessageDigest.isEqual(sealing.authenticate(body), Arrays.copyOfRange(stored, body.length, stored.length))) {
            throw new CorruptManifestException(what + " fails its checksum: altered, or written under another key");
        }
        return body;
    }
}
