package dev.shelter.storage.snapshot.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Copies a directory tree that may be changing underneath (a PostgreSQL data directory in backup
 * mode), keeping owners, modes and symlinks, and flushing every file and directory to disk.
 * A file that vanishes while the tree is walked is skipped, as pg_basebackup does: PostgreSQL
 * removes temporary files at will, and WAL replay from the backup's start point recreates the rest.
 * Files are cloned (reflink) where the filesystem can, and copied byte for byte where it cannot.
 */
final class TreeCopier {

    /** What a copy did: how many files, how many of them were cloned rather than copied, and their bytes. */
    record CopyReport(long files, long clonedFiles, long bytes) {
    }

    private TreeCopier() {
    }

    /** Copies the content of {@code source} into the existing empty directory {@code target}. */
    static CopyReport copyContent(Path source, Path target) throws IOException {
        Deque<Path> createdDirectories = new ArrayDeque<>();
        // Once the filesystem says it cannot clone, every other file of this tree is copied.
        boolean[] cloning = {true};
        long[] counts = new long[3];
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(source)) {
                    Path copy = target.resolve(source.relativize(dir).toString());
                    Files.createDirectory(copy);
                    createdDirectories.push(copy);
                    copyOwnerAndMode(dir, copy);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path copy = target.resolve(source.relativize(file).toString());
                try {
                    if (attrs.isSymbolicLink()) {
                        Files.copy(file, copy, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                    } else if (attrs.isRegularFile()) {
                        boolean cloned = cloning[0] && FileClone.cloneInto(file, copy);
                        if (cloned) {
                            flushFile(copy);
                        } else {
                            cloning[0] = false;
                            copyBytes(file, copy);
                        }
                        copyOwnerModeAndTime(file, copy);
                        counts[0]++;
                        counts[1] += cloned ? 1 : 0;
                        counts[2] += attrs.size();
                    }
                } catch (NoSuchFileException vanished) {
                    Files.deleteIfExists(copy);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        // Directory entries are durable only once each directory is flushed, children first.
        while (!createdDirectories.isEmpty()) {
            syncDirectory(createdDirectories.pop());
        }
        syncDirectory(target);
        return new CopyReport(counts[0], counts[1], counts[2]);
    }

    private static void flushFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void copyBytes(Path file, Path copy) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = in.size();
            long position = 0;
            while (position < size) {
                long copied = in.transferTo(position, size - position, out);
                if (copied <= 0) {
                    break; // the file shrank while being copied: WAL replay repairs it
                }
                position += copied;
            }
            out.force(true);
        }
    }

    private static void copyOwnerModeAndTime(Path file, Path copy) throws IOException {
        copyOwnerAndMode(file, copy);
        Files.setLastModifiedTime(copy, Files.getLastModifiedTime(file));
    }

    private static void copyOwnerAndMode(Path from, Path to) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(from, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setPermissions(attributes.permissions());
        if (!view.getOwner().equals(attributes.owner())) {
            view.setOwner(attributes.owner());
        }
        if (!view.readAttributes().group().equals(attributes.group())) {
            view.setGroup(attributes.group());
        }
    }

    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Deletes a tree without following symlinks out of it. A missing tree is fine. */
    /** Deletes the tree; what is already gone (another delete got there first) counts as deleted. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // The root went while we looked.
        }
    }
}
