package org.strata.format.vpc;

import java.io.IOException;
import java.util.List;

import org.strata.api.BlockStatusSource;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/** One open VHD: its size and layout come from {@link Opener}; the layout maps and allocates. */
final class VpcImage implements FormatImage {

    private final Storage file;
    private final boolean writable;
    private volatile Opener.Opened disk;

    VpcImage(Storage file, boolean writable) throws IOException {
        this.file = file;
        this.writable = writable;
        this.disk = Opener.open(file, writable);
    }

    @Override
    public String formatName() {
        return VpcFormatDriver.NAME;
    }

    @Override
    public long size() {
        return disk.sectors() * 512;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    /** Zeroes need no alignment: allocated blocks are zeroed in place, unallocated ones already read as zeroes. */
    @Override
    public long zeroGranularity() {
        return 1;
    }

    @Override
    public ShallowMapping getMapping(long offset, long maxLength) throws IOException {
        return disk.layout().map(offset, maxLength);
    }

    @Override
    public BlockStatusSource blockStatusSource() {
        return disk.layout().storageHolesReadAsZeroes() ? BlockStatusSource.MAPPINGS_AND_STORAGE_HOLES
                : BlockStatusSource.MAPPINGS;
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        checkWritable();
        return disk.layout().mapForWrite(offset, length, overwrite);
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        checkWritable();
        disk.layout().zero(offset, length, false);
        return true;
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        checkWritable();
        disk.layout().zero(offset, length, true);
        return true;
    }

    /** As qemu's vpc driver, which has no discard: nothing is deallocated. */
    @Override
    public void discardToAny(long offset, long length) {
        // nothing to do
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        throw new UnsupportedFeatureException("vpc images have no backing file");
    }

    private void checkWritable() throws IOException {
        if (!writable) {
            throw new UnsupportedFeatureException(file.location() + ": image is read-only");
        }
    }

    /** Table entries and bitmaps are written through: nothing is cached dirty. */
    @Override
    public void flush() {
        // nothing to write back
    }

    @Override
    public void invalidateCache() throws IOException {
        disk = Opener.open(file, writable);
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw new UnsupportedFeatureException("Image format driver does not support resize");
    }

    @Override
    public List<Storage> storages() {
        return List.of(file);
    }

    @Override
    public FormatAccess backing() {
        return null;
    }

    @Override
    public ImageInfo info() {
        return new ImageInfo(size(), disk.layout().clusterSize(), false, null, null, null, List.of(), false);
    }

    @Override
    public void close() {
        // the storage belongs to the opener; nothing is cached dirty
    }
}
