package org.strata.format.raw;

import java.io.IOException;
import java.util.List;

import org.strata.api.BlockStatusSource;
import org.strata.api.FormatAccess;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/** An open raw image: every guest offset maps to the same storage offset. */
final class RawImage implements org.strata.api.FormatImage {

    private final Storage storage;
    private final boolean writable;
    private volatile long size;

    RawImage(Storage storage, boolean writable) throws IOException {
        this.storage = storage;
        this.writable = writable;
        this.size = sectors(storage.size());
    }

    /** As QEMU does, a raw image's size is a whole number of 512-byte sectors; the tail past the file reads zero. */
    private static long sectors(long bytes) {
        return org.strata.api.Align.up(bytes, 512);
    }

    @Override
    public String formatName() {
        return "raw";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public long zeroGranularity() {
        return 1;
    }

    @Override
    public ShallowMapping getMapping(long offset, long maxLength) {
        return new ShallowMapping.Raw(storage, offset, maxLength, writable);
    }

    /** The file's holes are the guest's zeroes: block status passes the file's through. */
    @Override
    public BlockStatusSource blockStatusSource() {
        return BlockStatusSource.STORAGE;
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) {
        return new ShallowMapping.Raw(storage, offset, length, writable);
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        storage.writeZeroes(offset, length, false);
        return true;
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        storage.writeZeroes(offset, length, true);
        return true;
    }

    @Override
    public void discardToAny(long offset, long length) throws IOException {
        storage.discard(offset, length);
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        throw new UnsupportedFeatureException("raw images have no backing file");
    }

    @Override
    public void flush() {
        // no metadata
    }

    @Override
    public void invalidateCache() throws IOException {
        size = sectors(storage.size());
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        if (prealloc == Preallocation.METADATA) {
            throw new UnsupportedFeatureException("Unsupported preallocation mode: metadata");
        }
        storage.resize(newSize, prealloc);
        size = newSize;
    }

    @Override
    public List<Storage> storages() {
        return List.of(storage);
    }

    @Override
    public FormatAccess backing() {
        return null;
    }

    @Override
    public ImageInfo info() {
        return ImageInfo.simple(size);
    }

    @Override
    public void close() {
        // the storage belongs to the opener
    }
}
