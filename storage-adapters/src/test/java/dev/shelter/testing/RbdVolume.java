package dev.shelter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An RBD image mounted as ext4 through the project's {@code deploy/local/rbd-volume} (rbd-fuse, a
 * loop device, ext4), the way a test kubelet gives a pod its volume. Ceph comes from the
 * SHELTER_STACK_CEPH_* environment the test runs with. While attached, rbd-fuse holds the
 * image's exclusive lock, so a rollback underneath is refused.
 */
public final class RbdVolume {

    private static final String SCRIPT = "deploy/local/rbd-volume";

    private final String image;
    private final Path mountPoint;

    private RbdVolume(String image, Path mountPoint) {
        this.image = image;
        this.mountPoint = mountPoint;
    }

    /** Creates the image ({@code gib} GiB, ext4) on first use and mounts it at {@code mountPoint}. */
    public static RbdVolume create(String image, Path mountPoint, int gib) {
        RbdVolume volume = new RbdVolume(image, mountPoint);
        run("attach", image, mountPoint.toString(), "--create-gib", Integer.toString(gib));
        return volume;
    }

    public String image() {
        return image;
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** Mounts the existing image again (after a rollback, say). A no-op when attached. */
    public void attach() {
        run("attach", image, mountPoint.toString());
    }

    /** Unmounts and waits until rbd-fuse has exited and released the image. Idempotent. */
    public void detach() {
        run("detach", mountPoint.toString());
    }

    private static void run(String... arguments) {
        List<String> command = new ArrayList<>(List.of(script().toString()));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " timed out:\n" + output);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "):\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The script in this checkout: Maven runs tests in a module directory below the repository root. */
    private static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(SCRIPT);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no " + SCRIPT + " above " + Path.of("").toAbsolutePath());
    }
}
