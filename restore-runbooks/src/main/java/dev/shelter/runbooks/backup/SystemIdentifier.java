package dev.shelter.runbooks.backup;

import java.util.regex.Pattern;

/**
 * A PostgreSQL system identifier: chosen at initdb, the same on every standby and restored copy of
 * that cluster, and different for any other. An unsigned 64-bit number, shown in decimal by
 * pg_control_system() and pg_controldata, and so written in decimal wherever Shelter stores it.
 */
public record SystemIdentifier(long value) {

    private static final Pattern DECIMAL = Pattern.compile("\\d{1,20}");

    /** Reads the decimal text PostgreSQL shows; {@link IllegalArgumentException} if it is not one. */
    public static SystemIdentifier parse(String text) {
        if (text == null || !DECIMAL.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a system identifier (decimal, as pg_control_system() shows it)");
        }
        try {
            return new SystemIdentifier(Long.parseUnsignedLong(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a system identifier: it is larger than 64 bits", e);
        }
    }

    /** Decimal, unsigned: what pg_control_system() shows. */
    @Override
    public String toString() {
        return Long.toUnsignedString(value);
    }
}
