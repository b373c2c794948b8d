package dev.shelter.storage.blob;

/** A store operation failed; the message names the operation and the key or location. */
public class BlobStoreException extends RuntimeException {

    public BlobStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public BlobStoreException(String message) {
        super(message);
    }
}
