package dev.shelter.storage.offsite;

/**
 * How a chunk's bytes become a stored object and back: its name, its compression, and, when the
 * repository is encrypted, its encryption. Two variants: {@link PlainSealing} and
 * {@link EncryptedSealing}. Opening checks the bytes against the name, so a chunk read back is
 * exactly the chunk stored or an exception.
 */
public interface ChunkSealing {

    /** The name the bytes are stored under; the same bytes always get the same name. */
    ChunkId name(byte[] plain);

    /** The object to store for the bytes named {@code id}. */
    byte[] seal(ChunkId id, byte[] plain);

    /** The bytes named {@code id}, from its stored object; {@link CorruptChunkException} if they are not. */
    byte[] open(ChunkId id, byte[] sealed);

    /**
     * A 32-byte checksum of a document of the repository (an image manifest): its SHA-256, or, when
     * encrypted, an HMAC under the naming key, so that only a holder of the key can forge one.
     */
    byte[] authenticate(byte[] document);

    /** "plain" or "aes-256-gcm", for the repository's descriptor and logs. */
    String describe();
}
