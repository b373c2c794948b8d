package dev.shelter.storage.offsite;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The repository's data keys, made once when it is created: one encrypts chunks, the other names
 * them. Stored only wrapped (AES-256-GCM) by a {@link MasterKey}.
 */
public final class DataKeys {

    private static final byte[] WRAP_CONTEXT = "shelter offsite data keys v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_BYTES = 12;

    private final SecretKey encryptionKey;
    private final SecretKey namingKey;

    private DataKeys(byte[] both) {
        this.encryptionKey = new SecretKeySpec(both, 0, 32, "AES");
        this.namingKey = new SecretKeySpec(both, 32, 32, "HmacSHA256");
    }

    public static DataKeys generate(SecureRandom random) {
        byte[] both = new byte[64];
        random.nextBytes(both);
        return new DataKeys(both);
    }

    SecretKey encryptionKey() {
        return encryptionKey;
    }

    SecretKey namingKey() {
        return namingKey;
    }

    /** The keys encrypted under the master key: a random nonce, then the ciphertext and tag. */
    public byte[] wrap(MasterKey master, SecureRandom random) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] both = ByteBuffer.allocate(64).put(encryptionKey.getEncoded()).put(namingKey.getEncoded()).array();
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, master.secretKey(), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(WRAP_CONTEXT);
            byte[] wrapped = cipher.doFinal(both);
            return ByteBuffer.allocate(NONCE_BYTES + wrapped.length).put(nonce).put(wrapped).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is always available", e);
        } finally {
            Arrays.fill(both, (byte) 0);
        }
    }

    /** The keys from their wrapped form; {@link WrongKeyException} if {@code master} did not wrap them (or they were altered). */
    public static DataKeys unwrap(byte[] wrapped, MasterKey master) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, master.secretKey(), new GCMParameterSpec(128, Arrays.copyOf(wrapped, NONCE_BYTES)));
            cipher.updateAAD(WRAP_CONTEXT);
            byte[] both = cipher.doFinal(wrapped, NONCE_BYTES, wrapped.length - NONCE_BYTES);
            try {
                return new DataKeys(both);
            } finally {
                Arrays.fill(both, (byte) 0);
            }
        } catch (AEADBadTagException e) {
            throw new WrongKeyException("the repository's data keys do not open with " + master
                    + ": it is not the key they were wrapped with, or the wrapped keys were altered");
        } catch (GeneralSecurityException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new WrongKeyException("the repository's wrapped data keys are damaged: " + e.getMessage());
        }
    }

    /** A master key that does not open the repository, or none where one is needed. */
    public static final class WrongKeyException extends RuntimeException {

        public WrongKeyException(String message) {
            super(message);
        }
    }
}
