package dev.shelter.storage.blob;

/** What a store knows about one blob without reading it. */
public record BlobInfo(BlobKey key, long sizeBytes) {
}
