package dev.shelter.runbooks.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shelter.runbooks.backup.ClusterName;
import dev.shelter.runbooks.engine.RunId;
import dev.shelter.runbooks.engine.RunJournal;

import java.io.IOException;

/**
 * Run journals as versioned, checksummed JSON ({@link ChecksummedJson}):
 * {@code {"format":"shelter-run-journal","formatVersion":1,"sha256":"…","journal":{…}}}, instants as
 * ISO-8601 strings, so that the audit trail reads without Shelter.
 */
public final class JournalCodec {

    public static final String FORMAT = "shelter-run-journal";
    public static final int FORMAT_VERSION = 1;

    private final ChecksummedJson envelope;

    public JournalCodec() {
        ObjectMapper mapper = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .registerModule(new TextValueModule("shelter-journal-values")
                        .add(RunId.class, RunId::value, RunId::new)
                        .add(ClusterName.class, ClusterName::value, ClusterName::new))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES); // newer writers may add fields
        envelope = new ChecksummedJson(mapper, FORMAT, FORMAT_VERSION, "journal");
    }

    public byte[] encode(RunJournal journal) {
        try {
            return envelope.encode(journal);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the journal of run " + journal.id(), e);
        }
    }

    /** Decodes and checks a journal; {@link ChecksummedJson.CorruptDocumentException} if it is not one or its checksum fails. */
    public RunJournal decode(byte[] bytes) {
        return envelope.decode(bytes, RunJournal.class);
    }
}
