package dev.shelter.runbooks.postgres;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/** A real pg_control file edited in place, its CRC computed again as PostgreSQL would have written it. */
public final class EditedControlFile {

    private static final int STATE = 16;
    private static final int CRC = 288;

    private EditedControlFile() {
    }

    /** The bytes with {@code edit} applied in {@code order}, and a CRC that matches. */
    public static byte[] withCrc(byte[] original, ByteOrder order, Consumer<ByteBuffer> edit) {
        byte[] bytes = original.clone();
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(order);
        edit.accept(buffer);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CRC);
        buffer.putInt(CRC, (int) crc.getValue());
        return bytes;
    }

    /** A little-endian server's file saying {@code state}, as if PostgreSQL had stopped there. */
    public static byte[] withState(byte[] original, ControlFile.State state) {
        return withCrc(original, ByteOrder.LITTLE_ENDIAN, buffer -> buffer.putInt(STATE, state.ordinal()));
    }
}
