package dev.shelter.storage.offsite;

/**
 * How a chunk's bytes become a stored object and back: its name, its compression, and, when the
 * repository is encrypted, its encryption. Two variants: {@link PlainSealing} and
 * {@link EncryptedSealing}. Opening checks the bytes against the name, so a chunk read back is
 * exactly the chunk stored or an exception.
 */
public interface ChunkSealing {

    /** The name the bytes are stored under; the same bytes always get the same name. */
    default ChunkId name(byte[] plain) {
        return name(plain, plain.length);
    }

    /** The name of the first {@code length} bytes of {@code plain}. */
    ChunkId name(byte[] plain, int length);

    /** The object to store for the bytes named {@code id}. */
    default byte[] seal(ChunkId id, byte[] plain) {
        return seal(id, plain, new byte[ChunkFrame.frameRoom(plain.length)]);
    }

    /** As {@link #seal(ChunkId, byte[])}, compressing in {@code scratch} ({@link ChunkFrame#frameRoom} bytes, the caller's). */
    byte[] seal(ChunkId id, byte[] plain, byte[] scratch);

    /** The frame in a stored object: decrypted and authenticated, or as it was stored; {@link CorruptChunkException} if it is not. */
    byte[] unseal(ChunkId id, byte[] sealed);

    /** The bytes named {@code id}, from its stored object; {@link CorruptChunkException} if they are not. */
    default byte[] open(ChunkId id, byte[] sealed) {
        byte[] plain = ChunkFrame.unframe(id, unseal(id, sealed));
        requireNamed(id, plain, plain.length);
        return plain;
    }

    /** As {@link #open(ChunkId, byte[])}, into {@code into} (the caller's, reused); the bytes it holds now. */
    default int open(ChunkId id, byte[] sealed, byte[] into) {
        int length = ChunkFrame.unframe(id, unseal(id, sealed), into);
        requireNamed(id, into, length);
        return length;
    }

    private void requireNamed(ChunkId id, byte[] plain, int length) {
        if (!name(plain, length).equals(id)) {
            throw new CorruptChunkException(id, "does not match its name: its bytes were altered");
        }
    }

    /**
     * A 32-byte checksum of a document of the repository (an image manifest): its SHA-256, or, when
     * encrypted, an HMAC under the naming key, so that only a holder of the key can forge one.
     */
    byte[] authenticate(byte[] document);

    /** "plain" or "aes-256-gcm", for the repository's descriptor and logs. */
    String describe();
}
