package dev.shelter.runbooks.restore;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What a process next to a new cluster's claim needs to make it a cluster of its own
 * ({@link NewClusterSettings}; on Kubernetes the restore-prepare job), carried as one argument,
 * and the line it prints back when done. Both ends live here, as with {@link RecoveryOrder}. A port
 * is written only when the request names one (its pods' container port is changed to match);
 * otherwise the server keeps the source's.
 */
public record NewClusterOrder(String source, String clusterName, OptionalInt port, String archiveCommand) {

    private static final String DONE = "shelter restore-prepare: new cluster configured";

    public NewClusterOrder {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(archiveCommand, "archiveCommand");
    }

    /** One line of base64 (URL alphabet, so it is safe as a command argument). */
    public String encode() {
        String fields = String.join("\n", base64(source), base64(clusterName),
                base64(port.isPresent() ? Integer.toString(port.getAsInt()) : ""), base64(archiveCommand));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fields.getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads what {@link #encode} wrote; {@link IllegalArgumentException} says what is wrong with it. */
    public static NewClusterOrder decode(String text) {
        try {
            String[] fields = new String(Base64.getUrlDecoder().decode(text.strip()), StandardCharsets.US_ASCII).split("\n", -1);
            if (fields.length != 4) {
                throw new IllegalArgumentException(fields.length + " fields, not 4");
            }
            String port = text(fields[2]);
            return new NewClusterOrder(text(fields[0]), text(fields[1]),
                    port.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(port)), text(fields[3]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a new-cluster order from Shelter: " + e.getMessage(), e);
        }
    }

    /** Configures the copy in {@code pgdata} (idempotently) and returns the report lines to print. */
    public List<String> carryOut(Path pgdata) {
        NewClusterSettings.write(pgdata, source, clusterName, port, archiveCommand);
        if (!NewClusterSettings.isWritten(pgdata)) {
            throw new IllegalStateException("the new cluster's settings are not in " + pgdata + " after they were written");
        }
        return List.of(DONE);
    }

    /** @throws IllegalStateException unless {@code log} holds the line {@link #carryOut} prints last */
    public void checkReport(String log) {
        if (log.lines().map(String::strip).noneMatch(DONE::equals)) {
            throw new IllegalStateException("the restore-prepare report is incomplete (no '" + DONE + "' line)");
        }
    }

    private static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String field) {
        return new String(Base64.getDecoder().decode(field), StandardCharsets.UTF_8);
    }
}
