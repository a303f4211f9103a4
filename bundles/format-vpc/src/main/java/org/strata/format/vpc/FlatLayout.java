package org.strata.format.vpc;

import java.io.IOException;

import org.strata.api.ImageFormatException;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;

/** A fixed disk: guest offset X is file offset X, up to the footer. */
final class FlatLayout implements Layout {

    private final Storage file;
    private final boolean writable;
    private final Metadata metadata;

    FlatLayout(Storage file, boolean writable, Metadata metadata) {
        this.file = file;
        this.writable = writable;
        this.metadata = metadata;
    }

    @Override
    public ShallowMapping map(long offset, long length) {
        return new ShallowMapping.Raw(file, offset, length, writable && !metadata.overlaps(offset, length));
    }

    @Override
    public ShallowMapping.Raw mapForWrite(long offset, long length, boolean overwrite) throws IOException {
        checkData(offset, length);
        return new ShallowMapping.Raw(file, offset, length, true);
    }

    @Override
    public void zero(long offset, long length, boolean unmap) throws IOException {
        checkData(offset, length);
        file.writeZeroes(offset, length, unmap);
    }

    private void checkData(long offset, long length) throws IOException {
        if (metadata.overlaps(offset, length)) {
            throw new ImageFormatException(file.location() + ": a write at guest offset " + offset
                    + " would overwrite the image's own metadata (its footer lies inside the disk)");
        }
    }

    @Override
    public long clusterSize() {
        return 0;
    }

    /** qemu asks the file about a fixed disk's data (BDRV_BLOCK_RECURSE): its holes are zeroes. */
    @Override
    public boolean storageHolesReadAsZeroes() {
        return true;
    }
}
