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
 * A tree manifest as stored: the magic {@code SHTREE01}, the number of entries, each entry (a type
 * byte, its UTF-8 path, then per type: mode and time; mode, time and content as size, chunk size
 * and pieces; or the link's target), then a checksum of everything before it from
 * {@link ChunkSealing#authenticate}.
 */
final class TreeManifestCodec {

    private static final String MAGIC_TEXT = "SHTREE01";
    private static final byte[] MAGIC = MAGIC_TEXT.getBytes(StandardCharsets.US_ASCII);
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
                    out.writeLong(f.content().sizeBytes());
                    out.writeInt(f.content().chunkBytes());
                    out.writeInt(f.content().chunks().size());
                    for (Map.Entry<Integer, ChunkId> piece : f.content().chunks().entrySet()) {
                        out.writeInt(piece.getKey());
                        out.write(piece.getValue().bytes());
                    }
                } else {
                    TreeManifest.SymbolicLink l = (TreeManifest.SymbolicLink) entry; // the entry types are sealed: this is the last
                    out.writeByte(LINK);
                    writeString(out, l.path());
                    writeString(out, l.target());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen in memory", e);
        }
        return AuthenticatedDocument.seal(sealing, bytes.toByteArray());
    }

    TreeManifest decode(String name, byte[] stored) {
        byte[] body = AuthenticatedDocument.open(sealing, MAGIC_TEXT, "tree manifest " + name, stored);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body, MAGIC.length, body.length - MAGIC.length))) {
            int count = in.readInt();
            List<TreeManifest.Entry> entries = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte type = in.readByte();
                String path = readString(in);
                entries.add(switch (type) {
                    case DIRECTORY -> new TreeManifest.Directory(path, in.readInt(), in.readLong());
                    case FILE -> {
                        int mode = in.readInt();
                        long modified = in.readLong();
                        long size = in.readLong();
                        int chunkBytes = in.readInt();
                        int pieces = in.readInt();
                        Map<Integer, ChunkId> chunks = new TreeMap<>();
                        for (int p = 0; p < pieces; p++) {
                            int piece = in.readInt();
                            byte[] id = new byte[32];
                            in.readFully(id);
                            chunks.put(piece, ChunkId.of(id));
                        }
                        yield new TreeManifest.RegularFile(path, mode, modified, new ImageManifest(size, chunkBytes, new TreeMap<>(chunks)));
                    }
                    case LINK -> new TreeManifest.SymbolicLink(path, readString(in));
                    default -> throw new CorruptManifestException("tree manifest " + name + " has an entry of unknown type " + type);
                });
            }
            if (in.available() != 0) {
                throw new CorruptManifestException("tree manifest " + name + " has bytes after its entries");
            }
            return new TreeManifest(entries);
        } catch (EOFException e) {
            throw new CorruptManifestException("tree manifest " + name + " ends early");
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptManifestException("tree manifest " + name + " is damaged: " + e.getMessage());
        }
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
