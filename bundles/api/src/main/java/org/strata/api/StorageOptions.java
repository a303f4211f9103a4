package org.strata.api;

/**
 * How to open a storage object.
 *
 * @param writable    open for writing (and take the writer's lock)
 * @param forceShare  take no locks at all ({@code -U}): read an image another process may be writing
 * @param direct      bypass the host page cache ({@code -t none}, O_DIRECT)
 * @param noFlush     ignore requests to make writes durable ({@code -t unsafe}, QEMU's cache.no-flush): for
 *                    images that are worthless after a crash anyway, such as the target of a conversion
 */
public record StorageOptions(boolean writable, boolean forceShare, boolean direct, boolean noFlush) {

    public static final StorageOptions READ_ONLY = new StorageOptions(false, false, false);
    public static final StorageOptions READ_WRITE = new StorageOptions(true, false, false);

    /** Options that honour flushes. */
    public StorageOptions(boolean writable, boolean forceShare, boolean direct) {
        this(writable, forceShare, direct, false);
    }

    public StorageOptions withWritable(boolean w) {
        return new StorageOptions(w, forceShare, direct, noFlush);
    }
}
