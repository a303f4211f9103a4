package org.strata.api;

/**
 * How to open a storage object.
 *
 * @param writable   open for writing (and take the writer's lock)
 * @param forceShare take no locks at all ({@code -U}): read an image another process may be writing
 * @param cache      how writes reach stable storage ({@code -t})
 */
public record StorageOptions(boolean writable, boolean forceShare, CacheMode cache) {

    public static final StorageOptions READ_ONLY = new StorageOptions(false, false, CacheMode.WRITEBACK);
    public static final StorageOptions READ_WRITE = new StorageOptions(true, false, CacheMode.WRITEBACK);

    public StorageOptions {
        if (cache == null) {
            throw new IllegalArgumentException("no cache mode");
        }
    }

    public StorageOptions withWritable(boolean w) {
        return new StorageOptions(w, forceShare, cache);
    }

    public StorageOptions withCache(CacheMode c) {
        return new StorageOptions(writable, forceShare, c);
    }
}
