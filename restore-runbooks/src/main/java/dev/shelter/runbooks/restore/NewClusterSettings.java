package dev.shelter.runbooks.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * What makes the clone of a backup's data directory a cluster of its own before it first starts
 * (plain files, as {@link RecoveryFiles}): its name, port and archive_command at the end of
 * postgresql.auto.conf, where they win over postgresql.conf and the recovery files written after
 * them keep them; without the source's pid file (it names the source's running postmaster, which
 * would stop this one from starting) and the source's replication slots (they would keep WAL
 * forever). In-process for a local cluster; on Kubernetes by a restore-prepare job, next to the claim.
 */
public final class NewClusterSettings {

    /** The first line of the settings block: it marks the copy as configured. */
    static final String BLOCK_START = "# Shelter: this is a new cluster restored from a backup of ";
    private static final String AUTO_CONF = "postgresql.auto.conf";

    private NewClusterSettings() {
    }

    /** True once {@link #write} has run on {@code pgdata}. */
    public static boolean isWritten(Path pgdata) {
        Path autoConf = pgdata.resolve(AUTO_CONF);
        try {
            return Files.exists(autoConf) && Files.readString(autoConf, StandardCharsets.UTF_8).contains(BLOCK_START);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Idempotent. {@code port}: absent where the platform sets it (a pod's container port). */
    public static void write(Path pgdata, String source, String clusterName, OptionalInt port, String archiveCommand) {
        try {
            Files.deleteIfExists(pgdata.resolve("postmaster.pid"));
            Files.deleteIfExists(pgdata.resolve("postmaster.opts"));
            Path slots = pgdata.resolve("pg_replslot");
            if (Files.isDirectory(slots)) {
                try (DirectoryStream<Path> each = Files.newDirectoryStream(slots)) {
                    for (Path slot : each) {
                        deleteTree(slot);
                    }
                }
            }
            if (isWritten(pgdata)) {
                return;
            }
            Path autoConf = pgdata.resolve(AUTO_CONF);
            String existing = Files.exists(autoConf) ? Files.readString(autoConf, StandardCharsets.UTF_8) : "";
            if (!existing.isEmpty() && !existing.endsWith("\n")) {
                existing += "\n";
            }
            String block = BLOCK_START + source + "\n"
                    + (port.isPresent() ? "port = " + port.getAsInt() + "\n" : "")
                    + "cluster_name = '" + quote(clusterName) + "'\n"
                    + "archive_mode = on\n"
                    + "archive_command = '" + quote(archiveCommand) + "'\n";
            writeOwned(autoConf, (existing + block).getBytes(StandardCharsets.UTF_8), Files.getOwner(pgdata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure the new cluster in " + pgdata + ": " + e.getMessage(), e);
        }
    }

    private static String quote(String value) {
        return value.replace("'", "''");
    }

    /** Through a temporary file and a rename, flushed, owned as the data directory is (PostgreSQL must be able to rewrite it). */
    private static void writeOwned(Path file, byte[] bytes, UserPrincipal owner) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".shelter-tmp");
        Files.write(temporary, bytes);
        Files.setOwner(temporary, owner);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.toList()) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }
}
