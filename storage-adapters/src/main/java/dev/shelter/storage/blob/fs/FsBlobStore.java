package dev.shelter.storage.blob.fs;

import dev.shelter.storage.blob.BlobInfo;
import dev.shelter.storage.blob.BlobKey;
import dev.shelter.storage.blob.BlobStore;
import dev.shelter.storage.blob.BlobStoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Blobs as files under a root directory. Writes go to a temporary sibling, are fsynced, and are
 * renamed into place, so a crash leaves either the old content or the new, never a torn file.
 * A create-only write links the temporary file into place instead: link(2) fails when the name
 * exists, so of two writers exactly one wins, with no window between a check and a write.
 * Files and directories take the root directory's owner and group (when Shelter runs as root,
 * e.g. for a {@code postgres}-owned archive), files mode 0600 and directories 0700, as
 * PostgreSQL's own archive_command leaves its files.
 */
public final class FsBlobStore implements BlobStore {

    private static final String TEMP_MARKER = ".shelter-tmp-";

    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");

    private final Path root;

    private FsBlobStore(Path root) {
        this.root = root;
    }

    public static FsBlobStore open(FsBlobStoreConfig config) {
        try {
            Files.createDirectories(config.root());
        } catch (IOException e) {
            throw new BlobStoreException("cannot create blob directory " + config.root(), e);
        }
        return new FsBlobStore(config.root());
    }

    @Override
    public void put(BlobKey key, Path source) {
        writeAtomically(key, temp -> Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING), FsBlobStore::moveIntoPlace);
    }

    @Override
    public void put(BlobKey key, byte[] content) {
        writeAtomically(key, temp -> Files.write(temp, content), FsBlobStore::moveIntoPlace);
    }

    @Override
    public boolean putIfAbsent(BlobKey key, byte[] content) {
        return writeAtomically(key, temp -> Files.write(temp, content), FsBlobStore::linkIntoPlace);
    }

    @Override
    public Optional<InputStream> open(BlobKey key) {
        try {
            return Optional.of(Files.newInputStream(pathOf(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new BlobStoreException("cannot read " + key + " in " + root, e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(BlobKey key) {
        Path path = pathOf(key);
        try {
            return Files.isRegularFile(path) ? Optional.of(new BlobInfo(key, Files.size(path))) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new BlobStoreException("cannot stat " + key + " in " + root, e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) {
        BlobKey.requireValidPrefix(prefix);
        // Walk only the prefix's deepest directory, and never outside the root.
        Path start = root.resolve(prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/')) : "").normalize();
        if (!start.startsWith(root) || !Files.isDirectory(start)) {
            return List.of();
        }
        List<BlobInfo> found = new ArrayList<>();
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String key = keyOf(file);
                    if (attrs.isRegularFile() && key.startsWith(prefix) && !file.getFileName().toString().startsWith(TEMP_MARKER)) {
                        found.add(new BlobInfo(BlobKey.of(key), attrs.size()));
                    }
                    return FileVisitResult.CONTINUE;
                }

                // A writer's temporary file, renamed into place (or a blob deleted) between reading the
                // directory and looking at the file: it is not a blob of this listing.
                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof java.nio.file.NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new BlobStoreException("cannot list '" + prefix + "' in " + root, e);
        }
        found.sort(Comparator.comparing(info -> info.key().value()));
        return found;
    }

    @Override
    public void delete(BlobKey key) {
        try {
            Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
            throw new BlobStoreException("cannot delete " + key + " in " + root, e);
        }
    }

    @Override
    public void probe() {
        if (!Files.isDirectory(root)) {
            throw new BlobStoreException("blob directory " + root + " does not exist");
        }
        Path probe = root.resolve(TEMP_MARKER + "probe-" + UUID.randomUUID());
        try {
            Files.write(probe, new byte[] {1});
            Files.delete(probe);
        } catch (IOException e) {
            throw new BlobStoreException("blob directory " + root + " is not writable", e);
        }
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    @Override
    public void close() {
        // Nothing is held open between calls.
    }

    private Path pathOf(BlobKey key) {
        return root.resolve(key.value());
    }

    private String keyOf(Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    private interface TempWriter {
        void writeTo(Path temp) throws IOException;
    }

    /** Puts a complete, synced temporary file in place; {@code false} when the name was taken and nothing changed. */
    private interface Placement {
        boolean place(Path temp, Path target) throws IOException;
    }

    private boolean writeAtomically(BlobKey key, TempWriter writer, Placement placement) {
        Path target = pathOf(key);
        Path temp = target.resolveSibling(TEMP_MARKER + UUID.randomUUID());
        try {
            createDirectories(target.getParent());
            writer.writeTo(temp);
            takeOwnership(temp, FILE_MODE);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            boolean placed = placement.place(temp, target);
            syncDirectory(target.getParent());
            return placed;
        } catch (IOException | UncheckedIOException e) {
            throw new BlobStoreException("cannot write " + key + " in " + root, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // The write already failed or succeeded; a stray temp file is skipped by list().
            }
        }
    }

    private static boolean moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return true;
    }

    private static boolean linkIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        }
    }

    /** Creates the missing directories up to {@code directory}, each owned like the root. */
    private void createDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        createDirectories(directory.getParent());
        try {
            Files.createDirectory(directory);
            takeOwnership(directory, DIRECTORY_MODE);
        } catch (FileAlreadyExistsException e) {
            // Another writer made it first.
        }
    }

    /** The root's owner and group (a no-op unless Shelter may chown, i.e. runs as root) and the given mode. */
    private void takeOwnership(Path path, Set<PosixFilePermission> mode) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        view.setPermissions(mode);
        PosixFileAttributes rootAttributes = Files.readAttributes(root, PosixFileAttributes.class);
        PosixFileAttributes attributes = view.readAttributes();
        try {
            if (!attributes.group().equals(rootAttributes.group())) {
                view.setGroup(rootAttributes.group());
            }
            if (!attributes.owner().equals(rootAttributes.owner())) {
                view.setOwner(rootAttributes.owner());
            }
        } catch (FileSystemException e) {
            // Not root: files stay the writer's own, which is the root's owner when Shelter made the root.
        }
    }

    /** The rename is durable only once the directory entry is. */
    private static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
