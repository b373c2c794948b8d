package dev.shelter.runbooks.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The envelope every Shelter document in the object store wears:
 * {@code {"format":"…","formatVersion":1,"sha256":"…","<body>":{…}}}. The checksum covers the body's
 * canonical JSON, so a torn or edited document is refused, and the version lets an older Shelter
 * refuse a format it does not know instead of misreading it.
 */
public final class ChecksummedJson {

    private final ObjectMapper mapper;
    private final String format;
    private final int version;
    private final String bodyField;

    public ChecksummedJson(ObjectMapper mapper, String format, int version, String bodyField) {
        this.mapper = mapper;
        this.format = format;
        this.version = version;
        this.bodyField = bodyField;
    }

    public byte[] encode(Object body) throws IOException {
        JsonNode tree = mapper.valueToTree(body);
        ObjectNode envelope = mapper.createObjectNode();
        envelope.put("format", format);
        envelope.put("formatVersion", version);
        envelope.put("sha256", sha256(mapper.writeValueAsBytes(tree)));
        envelope.set(bodyField, tree);
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(envelope);
    }

    /** The checked body; {@link CorruptDocumentException} if the bytes are not this format or fail the checksum. */
    public <T> T decode(byte[] bytes, Class<T> type) {
        try {
            JsonNode envelope = mapper.readTree(bytes);
            if (envelope == null || !format.equals(envelope.path("format").asText())) {
                throw new CorruptDocumentException("not a " + format + " document");
            }
            int found = envelope.path("formatVersion").asInt(-1);
            if (found != version) {
                throw new CorruptDocumentException(format + " format version " + found + " is not supported (this Shelter reads "
                        + version + ")");
            }
            JsonNode body = envelope.path(bodyField);
            if (!sha256(mapper.writeValueAsBytes(body)).equals(envelope.path("sha256").asText())) {
                throw new CorruptDocumentException(format + " checksum mismatch");
            }
            return mapper.treeToValue(body, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptDocumentException("unreadable " + format + ": " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** A document that must not be trusted. */
    public static final class CorruptDocumentException extends RuntimeException {

        CorruptDocumentException(String message) {
            super(message);
        }

        CorruptDocumentException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
