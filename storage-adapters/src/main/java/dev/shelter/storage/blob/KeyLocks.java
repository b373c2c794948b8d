package dev.shelter.storage.blob;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/** One lock per key (a blob key, a backup id), held only while it is used, so the map does not grow with every key ever seen. */
public final class KeyLocks {

    private record Entry(ReentrantLock lock, int users) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    /** A held lock; closing it unlocks and forgets the key once nobody else waits for it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    public Held lock(String key) {
        Entry entry = entries.compute(key, (k, e) -> e == null ? new Entry(new ReentrantLock(), 1) : new Entry(e.lock(), e.users() + 1));
        entry.lock().lock();
        return () -> {
            entry.lock().unlock();
            entries.compute(key, (k, e) -> e.users() == 1 ? null : new Entry(e.lock(), e.users() - 1));
        };
    }
}
