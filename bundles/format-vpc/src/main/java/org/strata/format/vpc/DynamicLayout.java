package org.strata.format.vpc;

import java.io.IOException;

import org.strata.api.ImageFormatException;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;

/**
 * A dynamic (or differencing) disk: the guest disk in blocks, each a sector bitmap followed by the block's data,
 * found through the block allocation table. As in qemu, the bitmaps are not consulted on reads (an allocated
 * block is read whole) and a differencing disk's parent is never opened: unallocated blocks read as zeroes, and
 * qemu-img map reports them as zero, not as absent.
 */
final class DynamicLayout implements Layout {

    private final Storage file;
    private final boolean writable;
    private final long blockSize;
    private final long bitmapSize;
    private final Bat bat;
    private final Metadata metadata;
    private final BlockAllocator allocator;

    DynamicLayout(Storage file, boolean writable, long blockSize, long bitmapSize, Bat bat, Metadata metadata,
                  BlockAllocator allocator) {
        this.file = file;
        this.writable = writable;
        this.blockSize = blockSize;
        this.bitmapSize = bitmapSize;
        this.bat = bat;
        this.metadata = metadata;
        this.allocator = allocator;
    }

    @Override
    public synchronized ShallowMapping map(long offset, long length) throws IOException {
        long index = offset / blockSize;
        long inBlock = offset % blockSize;
        int entry = bat.get(index);
        if (entry == Bat.UNALLOCATED) {
            long end = Math.min(offset + length, (index + 1) * blockSize);
            while (end < offset + length && bat.get(end / blockSize) == Bat.UNALLOCATED) {
                end = Math.min(offset + length, end + blockSize);
            }
            return new ShallowMapping.Zero(true, end - offset);
        }
        long n = Math.min(length, blockSize - inBlock);
        // until this session made its bitmap whole, writes must come through mapForWrite
        boolean inPlace = writable && allocator.bitmapWhole(index) && !overlapsMetadata(entry);
        return new ShallowMapping.Raw(file, dataStart(entry) + inBlock, n, inPlace);
    }

    @Override
    public synchronized ShallowMapping.Raw mapForWrite(long offset, long length, boolean overwrite)
            throws IOException {
        long index = offset / blockSize;
        long inBlock = offset % blockSize;
        long n = Math.min(length, blockSize - inBlock);
        int entry = bat.get(index);
        if (entry == Bat.UNALLOCATED) {
            entry = allocator.allocate(index, overwrite && inBlock == 0 && n == blockSize);
        } else {
            prepareForWrites(index, entry, offset);
        }
        return new ShallowMapping.Raw(file, dataStart(entry) + inBlock, n, true);
    }

    /** Zeroes allocated blocks in place (the file may punch holes); unallocated blocks already read as zeroes. */
    @Override
    public synchronized void zero(long offset, long length, boolean unmap) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long index = pos / blockSize;
            long inBlock = pos % blockSize;
            long n = Math.min(end - pos, blockSize - inBlock);
            int entry = bat.get(index);
            if (entry != Bat.UNALLOCATED) {
                prepareForWrites(index, entry, pos);
                file.writeZeroes(dataStart(entry) + inBlock, n, unmap);
            }
            pos += n;
        }
    }

    private void prepareForWrites(long index, int entry, long guestOffset) throws IOException {
        if (overlapsMetadata(entry)) {
            throw new ImageFormatException(file.location() + ": the block at guest offset " + guestOffset
                    + " lies on the image's own metadata (header or allocation table); it cannot be written");
        }
        allocator.makeBitmapWhole(index, entry);
    }

    private boolean overlapsMetadata(int entry) {
        return metadata.overlaps(512 * Integer.toUnsignedLong(entry), bitmapSize + blockSize);
    }

    private long dataStart(int entry) {
        return 512 * Integer.toUnsignedLong(entry) + bitmapSize;
    }

    @Override
    public long clusterSize() {
        return blockSize;
    }

    /** qemu reports an allocated block as data, whatever the file holds under it. */
    @Override
    public boolean storageHolesReadAsZeroes() {
        return false;
    }
}
