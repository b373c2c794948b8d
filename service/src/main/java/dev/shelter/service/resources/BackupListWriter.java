package dev.shelter.service.resources;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shelter.service.api.BackupListView;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Writes a page of backups as the shared {@code ObjectMapper} would, from the JSON of each backup
 * kept by {@link KeptBackupJson}.
 */
@Produces(MediaType.APPLICATION_JSON)
public final class BackupListWriter implements MessageBodyWriter<BackupListView> {

    private final KeptBackupJson kept;

    public BackupListWriter(ObjectMapper mapper) {
        this.kept = new KeptBackupJson(mapper);
    }

    /** What the listing resource makes its views with, so that the views it answers with are the kept ones. */
    KeptBackupJson kept() {
        return kept;
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return type == BackupListView.class;
    }

    /** The fields of {@link BackupListView} in its order, as Jackson writes a record. */
    @Override
    public void writeTo(BackupListView page, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                        MultivaluedMap<String, Object> httpHeaders, OutputStream out) throws IOException {
        out.write(ascii("{\"backups\":["));
        for (int i = 0; i < page.backups().size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(kept.jsonOf(page.backups().get(i)));
        }
        out.write(ascii("],\"offset\":" + page.offset() + ",\"limit\":" + page.limit() + ",\"total\":" + page.total() + "}"));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
