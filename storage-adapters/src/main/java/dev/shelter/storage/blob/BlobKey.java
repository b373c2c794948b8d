package dev.shelter.storage.blob;

import java.util.Objects;

/**
 * Where a blob lives inside a store: a relative, slash-separated path.
 * Rejected up front so that no adapter can be walked out of its root or bucket prefix.
 */
public record BlobKey(String value) {

    private static final int MAX_LENGTH = 1024;

    public BlobKey {
        Objects.requireNonNull(value, "blob key");
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("blob key must be 1.." + MAX_LENGTH + " characters: '" + value + "'");
        }
        if (value.startsWith("/") || value.endsWith("/") || value.contains("//") || value.contains("\\")) {
            throw new IllegalArgumentException("blob key must be a relative path without empty segments: '" + value + "'");
        }
        for (String segment : value.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("blob key must not contain '.' or '..' segments: '" + value + "'");
            }
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("blob key must not contain control characters");
        }
    }

    /**
     * Checks a listing prefix: the start of some valid key. Some S3 servers normalise "a/../",
     * so a dot segment would let a listing escape the store's own key prefix.
     */
    public static String requireValidPrefix(String prefix) {
        Objects.requireNonNull(prefix, "blob key prefix");
        if (prefix.startsWith("/") || prefix.contains("//") || prefix.contains("\\")
                || prefix.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("blob key prefix must be a relative path without empty segments: '" + prefix + "'");
        }
        for (String segment : prefix.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("blob key prefix must not contain '.' or '..' segments: '" + prefix + "'");
            }
        }
        return prefix;
    }

    public static BlobKey of(String value) {
        return new BlobKey(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
