package org.strata.core.image;

import java.nio.file.Path;
import java.util.List;

/**
 * How to open an image the user names.
 *
 * @param format      the format, or null to probe
 * @param writable    open the top image for writing (backing images are always read-only)
 * @param forceShare  take no locks ({@code -U})
 * @param direct      bypass the host page cache ({@code -t none})
 * @param openBacking open the backing chain (false: only the named layer, as {@code image:info} does)
 * @param cwd         the directory relative names are resolved against
 * @param extraRoots  allowed roots given for this request ({@code --allow-root}), besides the configured ones
 */
public record OpenRequest(String format, boolean writable, boolean forceShare, boolean direct, boolean openBacking,
                          Path cwd, List<Path> extraRoots) {

    public OpenRequest {
        extraRoots = List.copyOf(extraRoots);
    }

    /** Read-only, probing, with the backing chain, relative to {@code cwd}. */
    public static OpenRequest readOnly(Path cwd) {
        return new OpenRequest(null, false, false, false, true, cwd, List.of());
    }

    public OpenRequest withFormat(String f) {
        return new OpenRequest(f, writable, forceShare, direct, openBacking, cwd, extraRoots);
    }

    public OpenRequest withWritable(boolean w) {
        return new OpenRequest(format, w, forceShare, direct, openBacking, cwd, extraRoots);
    }

    public OpenRequest withForceShare(boolean f) {
        return new OpenRequest(format, writable, f, direct, openBacking, cwd, extraRoots);
    }

    public OpenRequest withDirect(boolean d) {
        return new OpenRequest(format, writable, forceShare, d, openBacking, cwd, extraRoots);
    }

    public OpenRequest withOpenBacking(boolean b) {
        return new OpenRequest(format, writable, forceShare, direct, b, cwd, extraRoots);
    }

    public OpenRequest withCwd(Path dir) {
        return new OpenRequest(format, writable, forceShare, direct, openBacking, dir, extraRoots);
    }

    public OpenRequest withExtraRoots(List<Path> roots) {
        return new OpenRequest(format, writable, forceShare, direct, openBacking, cwd, roots);
    }
}
