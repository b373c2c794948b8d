package dev.shelter.storage.blob.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An object's bytes as read, checked at their end against the SHA-256 stored with the object when
 * it was written: a damaged object fails its reader instead of reaching a restore.
 */
final class Sha256CheckingInputStream extends FilterInputStream {

    private final MessageDigest digest;
    private final String expected;
    private final String what;
    private boolean checked;

    Sha256CheckingInputStream(InputStream in, String expectedHex, String what) {
        super(in);
        this.digest = sha256();
        this.expected = expectedHex.toLowerCase();
        this.what = what;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
            checkAtEnd();
        } else {
            digest.update((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            checkAtEnd();
        } else {
            digest.update(buffer, offset, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] discard = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int read = read(discard, 0, (int) Math.min(discard.length, n - skipped));
            if (read < 0) {
                break;
            }
            skipped += read;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void checkAtEnd() throws IOException {
        if (checked) {
            return;
        }
        checked = true;
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equals(expected)) {
            throw new IOException(what + " is damaged: its bytes hash to sha256 " + actual + ", it was written as " + expected);
        }
    }
}
