package dev.shelter.storage.offsite;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * An image manifest as stored: the magic {@code SHIMAGE1}, the image's size (8 bytes), the chunk
 * size (4), the number of stored pieces (4), each as its index (4) and chunk id (32), then a
 * checksum of everything before it from {@link ChunkSealing#authenticate}. Binary, because a
 * 1 TiB image lists up to 262,144 chunks (9 MiB here, twice that as JSON).
 */
final class ImageManifestCodec {

    private static final String MAGIC_TEXT = "SHIMAGE1";
    private static final byte[] MAGIC = MAGIC_TEXT.getBytes(StandardCharsets.US_ASCII);
    private static final int ENTRY_BYTES = 4 + 32;

    private final ChunkSealing sealing;

    ImageManifestCodec(ChunkSealing sealing) {
        this.sealing = sealing;
    }

    byte[] encode(ImageManifest manifest) {
        ByteBuffer body = ByteBuffer.allocate(MAGIC.length + 16 + manifest.chunks().size() * ENTRY_BYTES)
                .put(MAGIC).putLong(manifest.sizeBytes()).putInt(manifest.chunkBytes()).putInt(manifest.chunks().size());
        manifest.chunks().forEach((piece, id) -> body.putInt(piece).put(id.bytes()));
        return AuthenticatedDocument.seal(sealing, body.array());
    }

    /** The manifest; {@link CorruptManifestException} if the bytes are not one, or fail their checksum (or another key's). */
    ImageManifest decode(String name, byte[] stored) {
        byte[] body = AuthenticatedDocument.open(sealing, MAGIC_TEXT, "image manifest " + name, stored);
        try {
            ByteBuffer in = ByteBuffer.wrap(body);
            in.position(MAGIC.length);
            long size = in.getLong();
            int chunkBytes = in.getInt();
            int count = in.getInt();
            if (count < 0 || in.remaining() != (long) count * ENTRY_BYTES) {
                throw new CorruptManifestException("image manifest " + name + " lists " + count + " chunks in "
                        + in.remaining() + " bytes");
            }
            Map<Integer, ChunkId> chunks = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                int piece = in.getInt();
                byte[] id = new byte[32];
                in.get(id);
                chunks.put(piece, ChunkId.of(id));
            }
            return new ImageManifest(size, chunkBytes, new TreeMap<>(chunks));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptManifestException("image manifest " + name + " is damaged: " + e.getMessage());
        }
    }
}
