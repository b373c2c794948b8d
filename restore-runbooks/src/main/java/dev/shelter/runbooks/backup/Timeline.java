package dev.shelter.runbooks.backup;

/** A PostgreSQL timeline id: 1 at initdb, one more after each promotion (unsigned 32-bit). */
public record Timeline(long id) {

    public Timeline {
        if (id < 1 || id > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("timeline " + id + " is out of range");
        }
    }

    /** As in WAL file names: 8 upper-case hex digits. */
    public String hex() {
        return String.format("%08X", id);
    }

    @Override
    public String toString() {
        return Long.toString(id);
    }
}
