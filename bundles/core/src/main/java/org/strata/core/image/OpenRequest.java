package org.strata.core.image;

import java.nio.file.Path;
import java.util.List;

import org.strata.api.CacheMode;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;

/**
 * How to open an image the user names: made with a {@link Builder} ({@link #in}), changed through a copy
 * ({@link #toBuilder}). Unless the builder says otherwise: probed, read-only, taking locks, cache mode writeback,
 * with the backing chain, and no allowed roots besides the configured ones and the directory of the named image.
 */
public final class OpenRequest {

    private final String format;
    private final boolean writable;
    private final boolean forceShare;
    private final CacheMode cache;
    private final boolean openBacking;
    private final Path cwd;
    private final List<StoragePath> extraRoots;

    private OpenRequest(Builder b) {
        this.format = b.format;
        this.writable = b.writable;
        this.forceShare = b.forceShare;
        this.cache = b.cache;
        this.openBacking = b.openBacking;
        this.cwd = b.cwd;
        this.extraRoots = List.copyOf(b.extraRoots);
    }

    /** A request whose relative names are resolved against {@code cwd}, otherwise as the defaults say. */
    public static Builder in(Path cwd) {
        return new Builder(cwd);
    }

    /** A builder starting from this request. */
    public Builder toBuilder() {
        return new Builder(cwd).format(format).writable(writable).forceShare(forceShare).cache(cache)
                .openBacking(openBacking).extraRoots(extraRoots);
    }

    /** The format, or null to probe. */
    public String format() {
        return format;
    }

    /** Whether the top image opens for writing (backing images are always read-only). */
    public boolean writable() {
        return writable;
    }

    /** Whether no locks are taken ({@code -U}). */
    public boolean forceShare() {
        return forceShare;
    }

    /** How writes reach stable storage ({@code -t}), for every file of the chain. */
    public CacheMode cache() {
        return cache;
    }

    /** Whether the backing chain opens (false: only the named layer, as {@code image:info} does). */
    public boolean openBacking() {
        return openBacking;
    }

    /** The directory relative names are resolved against. */
    public Path cwd() {
        return cwd;
    }

    /**
     * Allowed roots given for this request ({@code --allow-root}), besides the configured ones and the directory of
     * the named image (see {@link ImageOpener#root}).
     */
    public List<StoragePath> extraRoots() {
        return extraRoots;
    }

    /** How the storage of a file of this request opens. */
    public StorageOptions storageOptions(boolean writableFile) {
        return new StorageOptions(writableFile, forceShare, cache);
    }

    /** How a file this request creates opens: through the page cache, flushed once written, as qemu-img create does. */
    public StorageOptions newFileOptions() {
        return new StorageOptions(true, forceShare, CacheMode.WRITEBACK);
    }

    /** Sets what differs from the defaults, then {@link #build()}. */
    public static final class Builder {
        private String format;
        private boolean writable;
        private boolean forceShare;
        private CacheMode cache = CacheMode.WRITEBACK;
        private boolean openBacking = true;
        private Path cwd;
        private List<StoragePath> extraRoots = List.of();

        private Builder(Path cwd) {
            this.cwd = cwd;
        }

        /** The format, or null to probe. */
        public Builder format(String f) {
            format = f;
            return this;
        }

        public Builder writable(boolean w) {
            writable = w;
            return this;
        }

        public Builder forceShare(boolean f) {
            forceShare = f;
            return this;
        }

        public Builder cache(CacheMode c) {
            if (c == null) {
                throw new IllegalArgumentException("no cache mode");
            }
            cache = c;
            return this;
        }

        public Builder openBacking(boolean b) {
            openBacking = b;
            return this;
        }

        public Builder cwd(Path dir) {
            cwd = dir;
            return this;
        }

        public Builder extraRoots(List<StoragePath> roots) {
            extraRoots = List.copyOf(roots);
            return this;
        }

        public OpenRequest build() {
            return new OpenRequest(this);
        }
    }
}
