package org.strata.core.image;

import java.nio.file.Path;
import java.util.List;

import org.strata.api.CacheMode;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;

/**
 * How to open an image the user names.
 *
 * @param format      the format, or null to probe
 * @param writable    open the top image for writing (backing images are always read-only)
 * @param forceShare  take no locks ({@code -U})
 * @param cache       how writes reach stable storage ({@code -t}), for every file of the chain
 * @param openBacking open the backing chain (false: only the named layer, as {@code image:info} does)
 * @param cwd         the directory relative names are resolved against
 * @param extraRoots  allowed roots given for this request ({@code --allow-root}), besides the configured ones and
 *                    the directory of the named image (see {@link ImageOpener#root})
 */
public record OpenRequest(String format, boolean writable, boolean forceShare, CacheMode cache, boolean openBacking,
                          Path cwd, List<StoragePath> extraRoots) {

    public OpenRequest {
        extraRoots = List.copyOf(extraRoots);
    }

    /** Read-only, probing, through the page cache, with the backing chain, relative to {@code cwd}. */
    public static OpenRequest readOnly(Path cwd) {
        return new OpenRequest(null, false, false, CacheMode.WRITEBACK, true, cwd, List.of());
    }

    /** How the storage of a file of this request opens. */
    public StorageOptions storageOptions(boolean writableFile) {
        return new StorageOptions(writableFile, forceShare, cache);
    }

    /** How a file this request creates opens: through the page cache, flushed once written, as qemu-img create does. */
    public StorageOptions newFileOptions() {
        return new StorageOptions(true, forceShare, CacheMode.WRITEBACK);
    }

    public OpenRequest withFormat(String f) {
        return new OpenRequest(f, writable, forceShare, cache, openBacking, cwd, extraRoots);
    }

    public OpenRequest withWritable(boolean w) {
        return new OpenRequest(format, w, forceShare, cache, openBacking, cwd, extraRoots);
    }

    public OpenRequest withForceShare(boolean f) {
        return new OpenRequest(format, writable, f, cache, openBacking, cwd, extraRoots);
    }

    public OpenRequest withCache(CacheMode c) {
        return new OpenRequest(format, writable, forceShare, c, openBacking, cwd, extraRoots);
    }

    public OpenRequest withOpenBacking(boolean b) {
        return new OpenRequest(format, writable, forceShare, cache, b, cwd, extraRoots);
    }

    public OpenRequest withCwd(Path dir) {
        return new OpenRequest(format, writable, forceShare, cache, openBacking, dir, extraRoots);
    }

    public OpenRequest withExtraRoots(List<StoragePath> roots) {
        return new OpenRequest(format, writable, forceShare, cache, openBacking, cwd, roots);
    }
}
