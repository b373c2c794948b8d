package dev.shelter.service.health;

import com.codahale.metrics.health.HealthCheck;
import dev.shelter.storage.blob.BlobStore;

/** Healthy when the object store answers: the bucket (or directory) exists and can be listed. */
public final class ObjectStoreHealthCheck extends HealthCheck {

    private final BlobStore store;

    public ObjectStoreHealthCheck(BlobStore store) {
        this.store = store;
    }

    @Override
    protected Result check() {
        store.probe();
        return Result.healthy(store.describe());
    }
}
