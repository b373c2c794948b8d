package dev.shelter.storage.snapshot.local;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Linux's FICLONE ioctl (reflink): the new file shares the source's extents and the filesystem
 * copies a block only when one side writes to it, so a copy of a large data directory costs
 * metadata, not bytes. XFS (reflink=1) and Btrfs can; ext4 and a clone across filesystems cannot,
 * and the caller then copies the bytes itself.
 */
final class FileClone {

    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_CLOEXEC = 02000000;
    /** _IOW(0x94, 9, int) from linux/fs.h. */
    private static final NativeLong FICLONE = new NativeLong(0x40049409L);

    private static final int ENOENT = 2;
    private static final int EEXIST = 17;
    private static final int EXDEV = 18;
    private static final int EINVAL = 22;
    private static final int ENOTTY = 25;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;

    private interface LibC extends Library {
        int open(String path, int flags, int mode) throws LastErrorException;

        int ioctl(int fd, NativeLong request, int sourceFd) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int unlink(String path) throws LastErrorException;
    }

    private static final LibC LIBC = load();

    private FileClone() {
    }

    private static LibC load() {
        try {
            return System.getProperty("os.name", "").startsWith("Linux") ? Native.load("c", LibC.class) : null;
        } catch (LinkageError e) {
            return null;
        }
    }

    /**
     * Creates {@code target} (which must not exist) as a clone of {@code source}. Returns false,
     * leaving no target behind, when the filesystem cannot clone; the caller then copies.
     */
    static boolean cloneInto(Path source, Path target) throws IOException {
        if (LIBC == null) {
            return false;
        }
        int in = open(source, O_RDONLY | O_CLOEXEC, 0);
        try {
            int out = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            boolean cloned = false;
            try {
                LIBC.ioctl(out, FICLONE, in);
                cloned = true;
            } catch (LastErrorException e) {
                if (!isUnsupported(e.getErrorCode())) {
                    throw new IOException("cannot clone " + source + " to " + target + ": errno " + e.getErrorCode());
                }
            } finally {
                LIBC.close(out);
                if (!cloned) {
                    unlinkQuietly(target);
                }
            }
            return cloned;
        } finally {
            LIBC.close(in);
        }
    }

    private static boolean isUnsupported(int errno) {
        return errno == EOPNOTSUPP || errno == EXDEV || errno == EINVAL || errno == ENOTTY || errno == ENOSYS;
    }

    private static int open(Path path, int flags, int mode) throws IOException {
        try {
            return LIBC.open(path.toString(), flags, mode);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                throw new NoSuchFileException(path.toString());
            }
            if (e.getErrorCode() == EEXIST) {
                throw new FileAlreadyExistsException(path.toString());
            }
            throw new IOException("cannot open " + path + ": errno " + e.getErrorCode());
        }
    }

    private static void unlinkQuietly(Path path) {
        try {
            LIBC.unlink(path.toString());
        } catch (LastErrorException ignored) {
            // nothing was created, or it is gone already
        }
    }
}
