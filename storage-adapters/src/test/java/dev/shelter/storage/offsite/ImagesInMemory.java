package dev.shelter.storage.offsite;

import dev.shelter.storage.snapshot.BlockWriter;
import dev.shelter.storage.snapshot.SnapshotBlocks;

import java.util.Arrays;
import java.util.Random;

/** Volume images held in byte arrays, for the pure logic of exports and restores; real volumes are OffsiteRbdIT's. */
final class ImagesInMemory {

    private ImagesInMemory() {
    }

    static byte[] noise(int length, int seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static SnapshotBlocks blocks(byte[] image) {
        return new SnapshotBlocks() {
            @Override
            public long sizeBytes() {
                return image.length;
            }

            @Override
            public byte[] read(long offset, int length) {
                return Arrays.copyOfRange(image, (int) offset, (int) offset + length);
            }

            @Override
            public void close() {
            }
        };
    }

    static BlockWriter writer(byte[] target) {
        return new BlockWriter() {
            @Override
            public long sizeBytes() {
                return target.length;
            }

            @Override
            public void write(long offset, byte[] bytes) {
                System.arraycopy(bytes, 0, target, (int) offset, bytes.length);
            }

            @Override
            public void close() {
            }
        };
    }
}
