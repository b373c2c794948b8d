package dev.shelter.runbooks.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
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
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shelter.runbooks.backup.BackupId;
import dev.shelter.runbooks.backup.BackupManifest;
import dev.shelter.runbooks.backup.BackupProtection;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.backup.Lsn;
import dev.shelter.runbooks.backup.OffsiteCopy;
import dev.shelter.runbooks.backup.OffsiteScrub;
import dev.shelter.runbooks.backup.SystemIdentifier;
import dev.shelter.runbooks.backup.Timeline;
import dev.shelter.runbooks.backup.VolumeSnapshot;
import dev.shelter.runbooks.cluster.VolumeRole;
import dev.shelter.storage.snapshot.SnapshotRef;

import java.io.IOException;

/**
 * Backup manifests as versioned, checksummed JSON ({@link ChecksummedJson}):
 * {@code {"format":"shelter-backup-manifest","formatVersion":1,"sha256":"…","manifest":{…}}}.
 * The checksum covers the manifest's canonical JSON, so a torn or edited file is refused.
 */
public final class ManifestCodec {

    public static final String FORMAT = "shelter-backup-manifest";
    public static final int FORMAT_VERSION = 1;

    private final ObjectMapper mapper;
    private final ChecksummedJson envelope;

    public ManifestCodec() {
        SimpleModule values = new TextValueModule("shelter-values")
                .add(Lsn.class, Lsn::toString, Lsn::parse)
                .add(BackupId.class, BackupId::value, BackupId::new)
                .add(ClusterName.class, ClusterName::value, ClusterName::new)
                .add(SystemIdentifier.class, SystemIdentifier::toString, SystemIdentifier::parse);
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
        // A snapshot's ref is written flat, as the volume and snapshot fields manifests have always had.
        values.addSerializer(VolumeSnapshot.class, new JsonSerializer<>() {
            @Override
            public void serialize(VolumeSnapshot value, JsonGenerator out, SerializerProvider provider) throws IOException {
                out.writeStartObject();
                out.writeStringField("role", value.role().name());
                out.writeStringField("name", value.name());
                out.writeStringField("volume", value.ref().volume());
                out.writeStringField("snapshot", value.ref().snapshot());
                out.writeEndObject();
            }
        });
        values.addDeserializer(VolumeSnapshot.class, new JsonDeserializer<>() {
            @Override
            public VolumeSnapshot deserialize(JsonParser in, DeserializationContext context) throws IOException {
                JsonNode node = in.readValueAsTree();
                return new VolumeSnapshot(VolumeRole.valueOf(required(node, "role")), required(node, "name"),
                        new SnapshotRef(required(node, "volume"), required(node, "snapshot")));
            }
        });
        mapper = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .registerModule(values)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES); // newer writers may add fields
        // A manifest without a protection or a copy is written as manifests were before protections existed, byte for byte.
        for (Class<?> optional : new Class<?>[] {BackupProtection.class, OffsiteCopy.class, OffsiteScrub.class}) {
            mapper.configOverride(optional).setIncludeAsProperty(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.ALWAYS));
        }
        envelope = new ChecksummedJson(mapper, FORMAT, FORMAT_VERSION, "manifest");
    }

    public byte[] encode(BackupManifest manifest) {
        try {
            return envelope.encode(manifest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the manifest of backup " + manifest.id(), e);
        }
    }

    /** Decodes and checks a manifest; {@link ChecksummedJson.CorruptDocumentException} if it is not one or its checksum fails. */
    public BackupManifest decode(byte[] bytes) {
        return envelope.decode(bytes, BackupManifest.class);
    }

    private static String required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("a snapshot of the manifest lacks its " + field);
        }
        return value.asText();
    }
}
