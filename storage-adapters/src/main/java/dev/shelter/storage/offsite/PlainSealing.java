package dev.shelter.storage.offsite;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Compressed, not encrypted: a chunk is named by the SHA-256 of its bytes. */
public final class PlainSealing implements ChunkSealing {

    @Override
    public ChunkId name(byte[] plain) {
        return ChunkId.of(authenticate(plain));
    }

    @Override
    public byte[] seal(ChunkId id, byte[] plain) {
        return ChunkFrame.frame(plain);
    }

    @Override
    public byte[] open(ChunkId id, byte[] sealed) {
        byte[] plain = ChunkFrame.unframe(id, sealed);
        if (!name(plain).equals(id)) {
            throw new CorruptChunkException(id, "does not match its name: its bytes were altered");
        }
        return plain;
    }

    @Override
    public byte[] authenticate(byte[] document) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(document);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public String describe() {
        return "plain";
    }
}
