package dev.shelter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A small ext4 filesystem of a test's own, loop-mounted at a directory, that the test can freeze
 * ({@code fsfreeze -f}): every write to it then waits until {@link #thaw}. A snapshot copied into it
 * stays in progress for exactly as long as the test needs, whatever the machine's speed, instead
 * of a test hoping that a large copy is still running when it looks. Needs root, as the rest of
 * the real-server tests do. {@link #close} thaws, unmounts and removes the image file; the
 * caller removes the (then empty) mount point with its scratch directory.
 */
public final class FreezableFilesystem implements AutoCloseable {

    private final Path image;
    private final Path mountPoint;
    private boolean frozen;

    private FreezableFilesystem(Path image, Path mountPoint) {
        this.image = image;
        this.mountPoint = mountPoint;
    }

    /** Makes a sparse image of {@code megabytes} next to {@code mountPoint}, formats it and mounts it there. */
    public static FreezableFilesystem mount(Path mountPoint, int megabytes) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("a loop-mounted filesystem needs root, as the real-server tests do");
        }
        Path image = mountPoint.resolveSibling(mountPoint.getFileName() + ".ext4");
        try {
            createDirectories(mountPoint);
            run("truncate", "-s", megabytes + "M", image.toString());
            run("mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
            run("mount", "-o", "loop", image.toString(), mountPoint.toString());
        } catch (RuntimeException e) {
            deleteQuietly(image);
            throw e;
        }
        return new FreezableFilesystem(image, mountPoint);
    }

    public Path path() {
        return mountPoint;
    }

    /** From now on every write to the filesystem waits (reads go on). */
    public void freeze() {
        run("fsfreeze", "-f", mountPoint.toString());
        frozen = true;
    }

    public void thaw() {
        if (frozen) {
            run("fsfreeze", "-u", mountPoint.toString());
            frozen = false;
        }
    }

    @Override
    public void close() {
        try {
            thaw();
            run("umount", mountPoint.toString());
        } finally {
            deleteQuietly(image);
        }
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.err.println("FreezableFilesystem: cannot remove " + file + ": " + e.getMessage());
        }
    }
}
