package dev.shelter.storage.offsite;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
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
    public ChunkId name(byte[] plain, int length) {
        return ChunkId.of(hmac(new byte[0], plain, length));
    }

    @Override
    public byte[] authenticate(byte[] document) {
        return hmac(DOCUMENT_CONTEXT, document, document.length);
    }

    private byte[] hmac(byte[] context, byte[] bytes, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(keys.namingKey());
            mac.update(context);
            mac.update(bytes, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    @Override
    public byte[] seal(ChunkId id, byte[] plain, byte[] scratch) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.encryptionKey(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(id.bytes());
            byte[] framed = ChunkFrame.frame(plain, scratch);
            byte[] sealed = Arrays.copyOf(nonce, NONCE_BYTES + cipher.getOutputSize(framed.length));
            cipher.doFinal(framed, 0, framed.length, sealed, NONCE_BYTES);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is always available", e);
        }
    }

    @Override
    public byte[] unseal(ChunkId id, byte[] sealed) {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new CorruptChunkException(id, "is too short to be an encrypted chunk");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, keys.encryptionKey(), new GCMParameterSpec(TAG_BITS, Arrays.copyOf(sealed, NONCE_BYTES)));
            cipher.updateAAD(id.bytes());
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new CorruptChunkException(id, "fails its authentication tag: altered, or sealed under another key", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is always available", e);
        }
    }

    @Override
    public String describe() {
        return "aes-256-gcm";
    }
}
