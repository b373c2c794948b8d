package dev.shelter.service.catalog;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.Timeline;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Manifests as versioned, checksummed JSON:
 * {@code {"format":"shelter-backup-manifest","formatVersion":1,"sha256":"…","manifest":{…}}}.
 * The checksum covers the manifest's canonical JSON, so a torn or edited file is refused.
 */
public final class ManifestCodec {

    public static final String FORMAT = "shelter-backup-manifest";
    public static final int FORMAT_VERSION = 1;

    private final ObjectMapper mapper;

    public ManifestCodec() {
        SimpleModule values = new SimpleModule("shelter-values");
        addText(values, Lsn.class, Lsn::toString, Lsn::parse);
        addText(values, BackupId.class, BackupId::value, BackupId::new);
        values.addSerializer(Timeline.class, new JsonSerializer<>() {
            @Override
            public void serialize(Timeline value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeNumber(value.id());
            }
        });
        values.addDeserializer(Timeline.class, new JsonDeserializer<>() {
            @Override
            public Timeline deserialize(JsonParser in, DeserializationContext context) throws IOException {
                return new Timeline(in.getLongValue());
            }
        });
        mapper = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .registerModule(values)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES); // newer writers may add fields
    }

    public byte[] encode(BackupManifest manifest) {
        try {
            JsonNode body = mapper.valueToTree(manifest);
            ObjectNode envelope = mapper.createObjectNode();
            envelope.put("format", FORMAT);
            envelope.put("formatVersion", FORMAT_VERSION);
            envelope.put("sha256", sha256(mapper.writeValueAsBytes(body)));
            envelope.set("manifest", body);
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(envelope);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the manifest of backup " + manifest.id(), e);
        }
    }

    /** Decodes and checks a manifest; {@link CorruptManifestException} if it is not one or its checksum fails. */
    public BackupManifest decode(byte[] bytes) {
        try {
            JsonNode envelope = mapper.readTree(bytes);
            if (envelope == null || !FORMAT.equals(envelope.path("format").asText())) {
                throw new CorruptManifestException("not a Shelter backup manifest");
            }
            int version = envelope.path("formatVersion").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new CorruptManifestException("manifest format version " + version + " is not supported (this Shelter reads "
                        + FORMAT_VERSION + ")");
            }
            JsonNode body = envelope.path("manifest");
            String expected = envelope.path("sha256").asText();
            if (!sha256(mapper.writeValueAsBytes(body)).equals(expected)) {
                throw new CorruptManifestException("manifest checksum mismatch");
            }
            return mapper.treeToValue(body, BackupManifest.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptManifestException("unreadable manifest: " + e.getMessage(), e);
        }
    }

    private static <T> void addText(SimpleModule module, Class<T> type, Function<T, String> write, Function<String, T> read) {
        module.addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeString(write.apply(value));
            }
        });
        module.addDeserializer(type, new JsonDeserializer<T>() {
            @Override
            public T deserialize(JsonParser in, DeserializationContext context) throws IOException {
                return read.apply(in.getValueAsString());
            }
        });
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** A manifest that must not be trusted. */
    public static final class CorruptManifestException extends RuntimeException {

        CorruptManifestException(String message) {
            super(message);
        }

        CorruptManifestException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
