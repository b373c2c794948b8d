package dev.shelter.storage.offsite;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The stored object's frame: the magic {@code SHCHUNK1}, a flags byte, the plain length (4 bytes),
 * then the payload. The payload is one zstd frame, or the bytes as they are when zstd would not
 * make them smaller (already compressed data); encrypted sealing encrypts the whole frame.
 */
final class ChunkFrame {

    /** The size images are cut into; the last chunk of an image may be shorter. */
    static final int CHUNK_BYTES = 4 << 20;
    static final int MAX_CHUNK_BYTES = 64 << 20;
    private static final byte[] MAGIC = "SHCHUNK1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = MAGIC.length + 1 + 4;
    private static final byte ZSTD = 1;
    // The fastest level: on PostgreSQL pages it compresses twice as fast as level 3 and nearly as small (measured:
    // 7.6 to 1 against 7.5 to 1), and an export is bound by the CPU that compresses, not by the bytes it sends.
    private static final int LEVEL = 1;

    private ChunkFrame() {
    }

    /** The room {@link #frame(byte[], byte[])} may need to compress {@code plainBytes} bytes. */
    static int frameRoom(int plainBytes) {
        return HEADER_BYTES + (int) Zstd.compressBound(plainBytes);
    }

    static byte[] frame(byte[] plain) {
        return frame(plain, new byte[frameRoom(plain.length)]);
    }

    /**
     * The frame of {@code plain}, compressed in {@code scratch} (at least {@link #frameRoom} bytes,
     * reused by the caller): only the frame itself is allocated. An export frames thousands of
     * 4 MiB pieces, and a new buffer for each is garbage the collector pays for in pauses.
     */
    static byte[] frame(byte[] plain, byte[] scratch) {
        if (plain.length > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("a chunk holds at most " + MAX_CHUNK_BYTES + " bytes, not " + plain.length);
        }
        if (scratch.length < frameRoom(plain.length)) {
            throw new IllegalArgumentException("a scratch buffer of " + scratch.length + " bytes, where " + frameRoom(plain.length)
                    + " are needed");
        }
        long compressed = Zstd.compressByteArray(scratch, HEADER_BYTES, scratch.length - HEADER_BYTES, plain, 0, plain.length, LEVEL);
        if (Zstd.isError(compressed)) {
            throw new IllegalStateException("zstd cannot compress a piece: " + Zstd.getErrorName(compressed));
        }
        boolean smaller = compressed < plain.length;
        int payload = smaller ? (int) compressed : plain.length;
        byte[] framed = new byte[HEADER_BYTES + payload];
        ByteBuffer.wrap(framed).put(MAGIC).put(smaller ? ZSTD : 0).putInt(plain.length);
        System.arraycopy(smaller ? scratch : plain, smaller ? HEADER_BYTES : 0, framed, HEADER_BYTES, payload);
        return framed;
    }

    static byte[] unframe(ChunkId id, byte[] framed) {
        byte[] plain = new byte[plainLength(id, framed)];
        unframe(id, framed, plain);
        return plain;
    }

    /** Unpacks the frame into {@code into} (reused by the caller) and says how many bytes it holds. */
    static int unframe(ChunkId id, byte[] framed, byte[] into) {
        int length = plainLength(id, framed);
        if (length > into.length) {
            throw new CorruptChunkException(id, "holds " + length + " bytes where at most " + into.length + " were expected");
        }
        int payload = framed.length - HEADER_BYTES;
        if ((framed[MAGIC.length] & ZSTD) == 0) {
            if (payload != length) {
                throw new CorruptChunkException(id, "is " + payload + " bytes where its header says " + length);
            }
            System.arraycopy(framed, HEADER_BYTES, into, 0, length);
            return length;
        }
        long plain;
        try {
            plain = Zstd.decompressByteArray(into, 0, length, framed, HEADER_BYTES, payload);
        } catch (ZstdException e) {
            throw new CorruptChunkException(id, "does not decompress: " + e.getMessage(), e);
        }
        if (Zstd.isError(plain)) {
            throw new CorruptChunkException(id, "does not decompress: " + Zstd.getErrorName(plain));
        }
        if (plain != length) {
            throw new CorruptChunkException(id, "decompresses to " + plain + " bytes where its header says " + length);
        }
        return length;
    }

    private static int plainLength(ChunkId id, byte[] framed) {
        if (framed.length < HEADER_BYTES || !Arrays.equals(framed, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptChunkException(id, "is not a Shelter chunk");
        }
        ByteBuffer buffer = ByteBuffer.wrap(framed);
        buffer.position(MAGIC.length);
        byte flags = buffer.get();
        int length = buffer.getInt();
        if (length < 0 || length > MAX_CHUNK_BYTES || (flags & ~ZSTD) != 0) {
            throw new CorruptChunkException(id, "has a damaged header");
        }
        return length;
    }
}
