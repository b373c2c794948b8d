package dev.shelter.storage.offsite;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tree manifest as stored: the magic {@code SHTREE03}, the root's attributes (a flag, then mode,
 * time, user and group), the number of entries, each entry (a type byte, its UTF-8 path, then per
 * type: mode, time; mode, time and content; or the link's target; then its owner's user and group
 * names, empty if unknown), then a checksum of everything before it from
 * {@link ChunkSealing#authenticate}. A file's content is a tag byte, then for pieces its size,
 * chunk size and pieces, for a slice its bundle, offset, length and name. Older versions are
 * still read: {@code SHTREE02} has no content tag (pieces only), {@code SHTREE01} neither a root
 * nor owners.
 */
final class TreeManifestCodec {

    private static final String MAGIC_TEXT = "SHTREE03";
    private static final String WITHOUT_SLICES = "SHTREE02";
    private static final String WITHOUT_OWNERS = "SHTREE01";
    private static final byte[] MAGIC = MAGIC_TEXT.getBytes(StandardCharsets.US_ASCII);
    private static final byte PIECES = 'p';
    private static final byte SLICE = 's';
    private static final byte DIRECTORY = 'd';
    private static final byte FILE = 'f';
    private static final byte LINK = 'l';
    private static final int MAX_STRING_BYTES = 64 * 1024;

    private final ChunkSealing sealing;

    TreeManifestCodec(ChunkSealing sealing) {
        this.sealing = sealing;
    }

    byte[] encode(TreeManifest manifest) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeBoolean(manifest.root() != null);
            if (manifest.root() != null) {
                out.writeInt(manifest.root().mode());
                out.writeLong(manifest.root().modifiedMillis());
                writeString(out, manifest.root().owner().user());
                writeString(out, manifest.root().owner().group());
            }
            out.writeInt(manifest.entries().size());
            for (TreeManifest.Entry entry : manifest.entries()) {
                if (entry instanceof TreeManifest.Directory d) {
                    out.writeByte(DIRECTORY);
                    writeString(out, d.path());
                    out.writeInt(d.mode());
                    out.writeLong(d.modifiedMillis());
                } else if (entry instanceof TreeManifest.RegularFile f) {
                    out.writeByte(FILE);
                    writeString(out, f.path());
                    out.writeInt(f.mode());
                    out.writeLong(f.modifiedMillis());
                    writeContent(out, f.content());
                } else {
                    TreeManifest.SymbolicLink l = (TreeManifest.SymbolicLink) entry; // the entry types are sealed: this is the last
                    out.writeByte(LINK);
                    writeString(out, l.path());
                    writeString(out, l.target());
                }
                writeString(out, entry.owner() == null ? "" : entry.owner().user());
                writeString(out, entry.owner() == null ? "" : entry.owner().group());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen in memory", e);
        }
        return AuthenticatedDocument.seal(sealing, bytes.toByteArray());
    }

    private static void writeContent(DataOutputStream out, TreeManifest.Content content) throws IOException {
        if (content instanceof TreeManifest.Slice slice) {
            out.writeByte(SLICE);
            out.write(slice.bundle().bytes());
            out.writeInt(slice.offset());
            out.writeInt(slice.length());
            out.write(slice.name().bytes());
        } else {
            ImageManifest pieces = (ImageManifest) content; // the content types are sealed: this is the other
            out.writeByte(PIECES);
            out.writeLong(pieces.sizeBytes());
            out.writeInt(pieces.chunkBytes());
            out.writeInt(pieces.chunks().size());
            for (Map.Entry<Integer, ChunkId> piece : pieces.chunks().entrySet()) {
                out.writeInt(piece.getKey());
                out.write(piece.getValue().bytes());
            }
        }
    }

    TreeManifest decode(String name, byte[] stored) {
        String version = startsWith(stored, WITHOUT_OWNERS) ? WITHOUT_OWNERS : startsWith(stored, WITHOUT_SLICES) ? WITHOUT_SLICES : MAGIC_TEXT;
        boolean owners = !version.equals(WITHOUT_OWNERS);
        boolean tagged = version.equals(MAGIC_TEXT);
        byte[] body = AuthenticatedDocument.open(sealing, version, "tree manifest " + name, stored);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body, MAGIC.length, body.length - MAGIC.length))) {
            TreeManifest.Root root = owners && in.readBoolean()
                    ? new TreeManifest.Root(in.readInt(), in.readLong(), new TreeManifest.Owner(readString(in), readString(in))) : null;
            int count = in.readInt();
            List<TreeManifest.Entry> entries = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte type = in.readByte();
                String path = readString(in);
                TreeManifest.Entry entry = switch (type) {
                    case DIRECTORY -> new TreeManifest.Directory(path, in.readInt(), in.readLong());
                    case FILE -> new TreeManifest.RegularFile(path, in.readInt(), in.readLong(), readContent(in, tagged, name));
                    case LINK -> new TreeManifest.SymbolicLink(path, readString(in));
                    default -> throw new CorruptManifestException("tree manifest " + name + " has an entry of unknown type " + type);
                };
                entries.add(owners ? withOwner(entry, readString(in), readString(in)) : entry);
            }
            if (in.available() != 0) {
                throw new CorruptManifestException("tree manifest " + name + " has bytes after its entries");
            }
            return new TreeManifest(entries, root);
        } catch (EOFException e) {
            throw new CorruptManifestException("tree manifest " + name + " ends early");
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptManifestException("tree manifest " + name + " is damaged: " + e.getMessage());
        }
    }

    private static TreeManifest.Content readContent(DataInputStream in, boolean tagged, String name) throws IOException {
        byte tag = tagged ? in.readByte() : PIECES;
        if (tag == SLICE) {
            return new TreeManifest.Slice(readId(in), in.readInt(), in.readInt(), readId(in));
        }
        if (tag != PIECES) {
            throw new CorruptManifestException("tree manifest " + name + " has a file content of unknown type " + tag);
        }
        long size = in.readLong();
        int chunkBytes = in.readInt();
        int pieces = in.readInt();
        Map<Integer, ChunkId> chunks = new TreeMap<>();
        for (int p = 0; p < pieces; p++) {
            chunks.put(in.readInt(), readId(in));
        }
        return new ImageManifest(size, chunkBytes, new TreeMap<>(chunks));
    }

    private static ChunkId readId(DataInputStream in) throws IOException {
        byte[] id = new byte[32];
        in.readFully(id);
        return ChunkId.of(id);
    }

    private static TreeManifest.Entry withOwner(TreeManifest.Entry entry, String user, String group) {
        TreeManifest.Owner owner = user.isEmpty() ? null : new TreeManifest.Owner(user, group);
        if (entry instanceof TreeManifest.Directory d) {
            return new TreeManifest.Directory(d.path(), d.mode(), d.modifiedMillis(), owner);
        }
        if (entry instanceof TreeManifest.RegularFile f) {
            return new TreeManifest.RegularFile(f.path(), f.mode(), f.modifiedMillis(), f.content(), owner);
        }
        TreeManifest.SymbolicLink l = (TreeManifest.SymbolicLink) entry;
        return new TreeManifest.SymbolicLink(l.path(), l.target(), owner);
    }

    private static boolean startsWith(byte[] stored, String magic) {
        byte[] expected = magic.getBytes(StandardCharsets.US_ASCII);
        return stored.length >= expected.length && java.util.Arrays.equals(stored, 0, expected.length, expected, 0, expected.length);
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new CorruptManifestException("a string of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
