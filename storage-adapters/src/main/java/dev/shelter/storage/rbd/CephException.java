package dev.shelter.storage.rbd;

/**
 * A Ceph call failed. {@code returnCode} is librados/librbd's negative errno where one was given
 * (e.g. -30 EROFS when another client holds an image's exclusive lock), otherwise 0.
 */
public class CephException extends RuntimeException {

    private final int returnCode;

    public CephException(String message, int returnCode, Throwable cause) {
        super(message + (returnCode != 0 ? " (errno " + returnCode + ")" : ""), cause);
        this.returnCode = returnCode;
    }

    public int returnCode() {
        return returnCode;
    }
}
