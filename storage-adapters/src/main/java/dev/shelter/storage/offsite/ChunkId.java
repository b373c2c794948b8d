package dev.shelter.storage.offsite;

import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A chunk's name in the repository: 32 bytes, written as 64 lowercase hex digits. It is the
 * SHA-256 of the chunk's bytes, or, when the repository is encrypted, their HMAC-SHA256 under the
 * repository's naming key, so that a name reveals nothing about the bytes.
 */
public record ChunkId(String hex) implements Comparable<ChunkId> {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public ChunkId {
        Objects.requireNonNull(hex, "hex");
        if (!HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("a chunk id is 64 lowercase hex digits, not '" + hex + "'");
        }
    }

    static ChunkId of(byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("a chunk id is 32 bytes, not " + digest.length);
        }
        return new ChunkId(HexFormat.of().formatHex(digest));
    }

    byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public int compareTo(ChunkId other) {
        return hex.compareTo(other.hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
