package dev.shelter.storage.offsite;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Compressed, not encrypted: a chunk is named by the SHA-256 of its bytes. */
public final class PlainSealing implements ChunkSealing {

    @Override
    public ChunkId name(byte[] plain, int length) {
        MessageDigest digest = sha256();
        digest.update(plain, 0, length);
        return ChunkId.of(digest.digest());
    }

    @Override
    public byte[] seal(ChunkId id, byte[] plain, byte[] scratch) {
        return ChunkFrame.frame(plain, scratch);
    }

    @Override
    public byte[] unseal(ChunkId id, byte[] sealed) {
        return sealed;
    }

    @Override
    public byte[] authenticate(byte[] document) {
        return sha256().digest(document);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public String describe() {
        return "plain";
    }
}
