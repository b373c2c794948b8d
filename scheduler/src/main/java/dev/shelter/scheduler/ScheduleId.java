package dev.shelter.scheduler;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/** A schedule's id, e.g. {@code sch-3fa9c1d2e4b5}: safe in a URL, a Quartz key and an object key. */
public record ScheduleId(String value) {

    private static final Pattern FORMAT = Pattern.compile("sch-[0-9a-f]{12}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public ScheduleId {
        Objects.requireNonNull(value, "schedule id");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a schedule id (e.g. sch-3fa9c1d2e4b5)");
        }
    }

    public static ScheduleId random() {
        byte[] tail = new byte[6];
        RANDOM.nextBytes(tail);
        return new ScheduleId("sch-" + HexFormat.of().formatHex(tail));
    }

    public static boolean isWellFormed(String text) {
        return text != null && FORMAT.matcher(text).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
