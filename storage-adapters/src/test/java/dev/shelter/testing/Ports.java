package dev.shelter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports on 127.0.0.1 for servers that must be told their port and may bind it again later
 * (PostgreSQL, which has no port 0; an s3proxy stopped and started on the same endpoint). A port
 * found free and then closed can be taken by anyone before the server binds it, so a port from here
 * is held for the rest of the JVM: it lies below the kernel's ephemeral range (32768-60999 here),
 * where neither port 0 nor outgoing connections land, and an exclusive lock on its file under
 * {@code java.io.tmpdir/shelter-test-ports} keeps every other test JVM on the machine (other
 * worktrees included) off it; the kernel drops the lock when the JVM exits, however it exits.
 * A server that can bind port 0 itself should do that instead and report the port it got.
 */
public final class Ports {

    private static final int LOWEST = 20000;
    private static final int HIGHEST = 32000;
    private static final Path REGISTRY = Path.of(System.getProperty("java.io.tmpdir"), "shelter-test-ports");
    /** The locks this JVM holds: released by the kernel at exit, never earlier. */
    private static final List<FileChannel> HELD = new ArrayList<>();

    private Ports() {
    }

    /** One port, held for this JVM. */
    public static int reserve() {
        return reserveBlock(1);
    }

    /** {@code count} consecutive ports (a StatefulSet's pods take base + ordinal), held for this JVM; returns the first. */
    public static synchronized int reserveBlock(int count) {
        try {
            Files.createDirectories(REGISTRY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST - count);
            List<FileChannel> locks = new ArrayList<>();
            boolean all = true;
            for (int port = base; port < base + count && all; port++) {
                FileChannel lock = tryLock(port);
                if (lock == null || !bindable(port)) {
                    all = false;
                    closeQuietly(lock);
                } else {
                    locks.add(lock);
                }
            }
            if (all) {
                HELD.addAll(locks);
                return base;
            }
            locks.forEach(Ports::closeQuietly);
        }
        throw new IllegalStateException("no " + count + " free consecutive port(s) between " + LOWEST + " and " + HIGHEST);
    }

    private static FileChannel tryLock(int port) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(REGISTRY.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return null;
            }
            return channel;
        } catch (OverlappingFileLockException heldHere) {
            closeQuietly(channel);
            return null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException(e);
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // releasing a lock we did not keep
            }
        }
    }
}
