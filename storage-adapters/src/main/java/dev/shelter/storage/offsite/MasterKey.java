package dev.shelter.storage.offsite;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The key that wraps the repository's data keys: 32 bytes, from a file (a mounted Secret) holding
 * them raw or in base64. Only wraps: chunks are sealed under the data keys, so a new master key
 * means rewrapping one small object, never re-encrypting the chunks.
 */
public final class MasterKey {

    private final SecretKey key;

    private MasterKey(byte[] bytes) {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("a master key is 32 bytes (256 bits), not " + bytes.length);
        }
        this.key = new SecretKeySpec(bytes, "AES");
    }

    public static MasterKey of(byte[] bytes) {
        return new MasterKey(bytes.clone());
    }

    /** Reads the key file: exactly 32 bytes, or their base64 (surrounding whitespace ignored). Says which when it is neither. */
    public static MasterKey fromFile(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
        if (content.length == 32) {
            return new MasterKey(content);
        }
        String text = new String(content, StandardCharsets.US_ASCII).strip();
        try {
            byte[] decoded = Base64.getDecoder().decode(text);
            if (decoded.length == 32) {
                return new MasterKey(decoded);
            }
        } catch (IllegalArgumentException notBase64) {
            // said below
        }
        throw new IllegalArgumentException("the master key file " + file + " holds neither 32 bytes nor their base64 "
                + "(make one with: head -c 32 /dev/urandom | base64 > " + file.getFileName() + ")");
    }

    SecretKey secretKey() {
        return key;
    }

    /** Names the key without revealing it (an HMAC of a constant under it), so a wrong key is told apart from a damaged object. */
    public String id() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal("shelter master key id".getBytes(StandardCharsets.US_ASCII)), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    @Override
    public String toString() {
        return "master key " + id();
    }
}
