package dev.shelter.storage.offsite;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Compressed, then encrypted with AES-256-GCM (the JDK's) under the repository's data key. A
 * chunk is named by the HMAC-SHA256 of its bytes under the naming key, so equal chunks still
 * share one object (dedup) while a name says nothing of the bytes. The name is the cipher's
 * associated data: an object copied under another name does not open. Stored: a random 12-byte
 * nonce, then the ciphertext with its 16-byte tag.
 */
public final class EncryptedSealing implements ChunkSealing {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** Told apart from chunk names, which have no context: a document's checksum is never a chunk's name. */
    private static final byte[] DOCUMENT_CONTEXT = "shelter offsite document\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final DataKeys keys;
    private final SecureRandom random = new SecureRandom();

    public EncryptedSealing(DataKeys keys) {
        this.keys = keys;
    }

    @Override
    public ChunkId name(byte[] plain) {
        return ChunkId.of(hmac(new byte[0], plain));
    }

    @Override
    public byte[] authenticate(byte[] document) {
        return hmac(DOCUMENT_CONTEXT, document);
    }

    private byte[] hmac(byte[] context, byte[] bytes) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(keys.namingKey());
            mac.update(context);
            return mac.doFinal(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    @Override
    public byte[] seal(ChunkId id, byte[] plain) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.encryptionKey(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(id.bytes());
            byte[] sealed = cipher.doFinal(ChunkFrame.frame(plain));
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is always available", e);
        }
    }

    @Override
    public byte[] open(ChunkId id, byte[] sealed) {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new CorruptChunkException(id, "is too short to be an encrypted chunk");
        }
        byte[] framed;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, keys.encryptionKey(), new GCMParameterSpec(TAG_BITS, Arrays.copyOf(sealed, NONCE_BYTES)));
            cipher.updateAAD(id.bytes());
            framed = cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new CorruptChunkException(id, "fails its authentication tag: altered, or sealed under another key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is always available", e);
        }
        byte[] plain = ChunkFrame.unframe(id, framed);
        if (!name(plain).equals(id)) {
            throw new CorruptChunkException(id, "does not match its name");
        }
        return plain;
    }

    @Override
    public String describe() {
        return "aes-256-gcm";
    }
}
