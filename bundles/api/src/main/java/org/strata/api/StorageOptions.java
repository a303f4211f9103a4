package org.strata.api;

/**
 * How to open a storage object.
 *
 * @param writable    open for writing (and take the writer's lock)
 * @param forceShare  take no locks at all ({@code -U}): read an image another process may be writing
 * @param direct      bypass the host page cache ({@code -t none}, O_DIRECT)
 */
public record StorageOptions(boolean writable, boolean forceShare, boolean direct) {

    public static final StorageOptions READ_ONLY = new StorageOptions(false, false, false);
    public static final StorageOptions READ_WRITE = new StorageOptions(true, false, false);

    public StorageOptions withWritable(boolean w) {
        return new StorageOptions(w, forceShare, direct);
    }
}
