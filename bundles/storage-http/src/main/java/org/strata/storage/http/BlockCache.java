package org.strata.storage.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * The most recently used blocks of a remote image, at most {@code capacity} of them. Entries are futures,
 * so readers that want a block being fetched wait for that one request instead of sending their own; a
 * failed fetch is forgotten, so the next reader tries again.
 */
final class BlockCache {

    private final Map<Long, CompletableFuture<byte[]>> blocks;

    BlockCache(int capacity) {
        this.blocks = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, CompletableFuture<byte[]>> eldest) {
                return size() > capacity;
            }
        };
    }

    CompletableFuture<byte[]> get(long index, LongFunction<CompletableFuture<byte[]>> fetch) {
        CompletableFuture<byte[]> f;
        synchronized (this) {
            f = blocks.get(index);
            if (f != null) {
                return f;
            }
            f = fetch.apply(index);
            blocks.put(index, f);
        }
        CompletableFuture<byte[]> entry = f;
        f.whenComplete((data, failure) -> {
            if (failure != null) {
                forget(index, entry);
            }
        });
        return f;
    }

    private synchronized void forget(long index, CompletableFuture<byte[]> entry) {
        blocks.remove(index, entry);
    }

    synchronized int size() {
        return blocks.size();
    }

    synchronized void clear() {
        blocks.clear();
    }
}
