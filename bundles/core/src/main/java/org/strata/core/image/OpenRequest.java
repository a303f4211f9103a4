package org.strata.core.image;

import java.nio.file.Path;
import java.util.List;

import org.strata.api.StorageOptions;

/**
 * How to open an image the user names.
 *
 * @param format      the format, or null to probe
 * @param writable    open the top image for writing (backing images are always read-only)
 * @param forceShare  take no locks ({@code -U})
 * @param direct      bypass the host page cache ({@code -t none})
 * @param noFlush     ignore flushes ({@code -t unsafe}), for images that are worthless after a crash anyway
 * @param openBacking open the backing chain (false: only the named layer, as {@code image:info} does)
 * @param cwd         the directory relative names are resolved against
 * @param extraRoots  allowed roots given for this request ({@code --allow-root}), besides the configured ones
 */
public record OpenRequest(String format, boolean writable, boolean forceShare, boolean direct, boolean noFlush,
                          boolean openBacking, Path cwd, List<Path> extraRoots) {

    public OpenRequest {
        extraRoots = List.copyOf(extraRoots);
    }

    /** A request that honours flushes. */
    public OpenRequest(String format, boolean writable, boolean forceShare, boolean direct, boolean openBacking,
                       Path cwd, List<Path> extraRoots) {
        this(format, writable, forceShare, direct, false, openBacking, cwd, extraRoots);
    }

    /** Read-only, probing, with the backing chain, relative to {@code cwd}. */
    public static OpenRequest readOnly(Path cwd) {
        return new OpenRequest(null, false, false, false, true, cwd, List.of());
    }

    /** How the storage of a file of this request opens. */
    public StorageOptions storageOptions(boolean writableFile) {
        return new StorageOptions(writableFile, forceShare, direct, noFlush && writableFile);
    }

    public OpenRequest withFormat(String f) {
        return new OpenRequest(f, writable, forceShare, direct, noFlush, openBacking, cwd, extraRoots);
    }

    public OpenRequest withWritable(boolean w) {
        return new OpenRequest(format, w, forceShare, direct, noFlush, openBacking, cwd, extraRoots);
    }

    public OpenRequest withForceShare(boolean f) {
        return new OpenRequest(format, writable, f, direct, noFlush, openBacking, cwd, extraRoots);
    }

    public OpenRequest withDirect(boolean d) {
        return new OpenRequest(format, writable, forceShare, d, noFlush, openBacking, cwd, extraRoots);
    }

    public OpenRequest withNoFlush(boolean n) {
        return new OpenRequest(format, writable, forceShare, direct, n, openBacking, cwd, extraRoots);
    }

    public OpenRequest withOpenBacking(boolean b) {
        return new OpenRequest(format, writable, forceShare, direct, noFlush, b, cwd, extraRoots);
    }

    public OpenRequest withCwd(Path dir) {
        return new OpenRequest(format, writable, forceShare, direct, noFlush, openBacking, dir, extraRoots);
    }

    public OpenRequest withExtraRoots(List<Path> roots) {
        return new OpenRequest(format, writable, forceShare, direct, noFlush, openBacking, cwd, roots);
    }
}
