package dev.shelter.runbooks.engine;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A run's id: {@code run-}, its start time in UTC and a random tail, e.g. run-20261129T181500Z-3f9a2c.
 * Ids sort by time, and the pattern keeps them safe as an object key segment.
 */
public record RunId(String value) implements Comparable<RunId> {

    private static final Pattern FORMAT = Pattern.compile("run-\\d{8}T\\d{6}Z-[0-9a-f]{6}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    public RunId {
        Objects.requireNonNull(value, "run id");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a run id (e.g. run-20261129T181500Z-3f9a2c)");
        }
    }

    public static RunId startingAt(Instant start) {
        byte[] tail = new byte[3];
        RANDOM.nextBytes(tail);
        return new RunId("run-" + STAMP.format(start) + "-" + HexFormat.of().formatHex(tail));
    }

    public static boolean isWellFormed(String text) {
        return text != null && FORMAT.matcher(text).matches();
    }

    @Override
    public int compareTo(RunId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
