package org.strata.format.vdi;

import java.io.IOException;
import java.util.List;

import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageFormatException;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.RepairMode;
import org.strata.api.BlockStatusSource;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * An open VDI image: guest block {@code b} lies in data block {@code map[b]}, or reads as zeroes when its entry
 * is unallocated or discarded. Writes to such a block allocate a data block ({@link Allocator}); zeroing and
 * discarding never unallocate (a VDI cannot free a data block), they zero or punch the data in place. As in
 * QEMU 7.2, a VDI has no backing file and cannot be resized.
 */
final class VdiImage implements FormatImage {

    private static final long BLOCK = Header.BLOCK_SIZE;

    /** What the image's header says, with the map and allocator built on it; replaced as a whole on invalidation. */
    private record Metadata(Header header, BlockMap map, Allocator allocator) {
        static Metadata read(Storage storage, boolean writable) throws IOException {
            Header h = Header.read(storage).validate();
            if (writable && (h.offsetBmap() < Header.SIZE || h.bmapEnd() > h.offsetData())) {
                throw new ImageFormatException(String.format("vdi: Image is corrupt (its block map at 0x%x overlaps"
                        + " the header or the data at 0x%x); cannot be opened read/write", h.offsetBmap(),
                        h.offsetData()));
            }
            BlockMap map = new BlockMap(storage, h.offsetBmap(), h.blocksInImage());
            return new Metadata(h, map, new Allocator(storage, h, map));
        }
    }

    private final Storage storage;
    private final boolean writable;
    private volatile Metadata md;

    VdiImage(Storage storage, boolean writable) throws IOException {
        this.storage = storage;
        this.writable = writable;
        this.md = Metadata.read(storage, writable);
    }

    @Override
    public String formatName() {
        return VdiFormatDriver.NAME;
    }

    @Override
    public long size() {
        return md.header().guestSize();
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    /** Zeroes are written into data blocks like raw data, so any range can be zeroed. */
    @Override
    public long zeroGranularity() {
        return 1;
    }

    /** One run of blocks that are all unallocated, or whose data blocks follow each other. */
    @Override
    public ShallowMapping getMapping(long offset, long maxLength) throws IOException {
        Metadata m = md;
        long block = offset / BLOCK;
        int entry = m.map().get(block);
        long limit = offset + maxLength;
        long end = Math.min(limit, (block + 1) * BLOCK);
        while (end < limit) {
            long next = end / BLOCK;
            int e = m.map().get(next);
            boolean continues = BlockMap.isAllocated(entry) ? follows(entry, e, next - block)
                    : !BlockMap.isAllocated(e);
            if (!continues) {
                break;
            }
            end = Math.min(limit, end + BLOCK);
        }
        if (!BlockMap.isAllocated(entry)) {
            // QEMU reports these blocks as zeroes of this layer (present, not data)
            return new ShallowMapping.Zero(true, end - offset);
        }
        return new ShallowMapping.Raw(storage, hostOffset(m, entry, offset), end - offset, writable);
    }

    /** Whether entry {@code e} names the data block {@code distance} blocks after the one {@code entry} names. */
    private static boolean follows(int entry, int e, long distance) {
        return BlockMap.isAllocated(e) && Integer.toUnsignedLong(e) == Integer.toUnsignedLong(entry) + distance;
    }

    private static long hostOffset(Metadata m, int entry, long guestOffset) {
        return m.header().blockOffset(Integer.toUnsignedLong(entry)) + guestOffset % BLOCK;
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        Metadata m = md;
        long block = offset / BLOCK;
        int inBlock = (int) (offset % BLOCK);
        long n = Math.min(length, BLOCK - inBlock);
        int entry = m.map().get(block);
        if (!BlockMap.isAllocated(entry)) {
            // the caller writes [inBlock, inBlock + n) when it overwrites; everything else must read as zeroes
            entry = overwrite ? m.allocator().allocate(block, inBlock, inBlock + n)
                    : m.allocator().allocate(block, 0, 0);
        }
        return new ShallowMapping.Raw(storage, hostOffset(m, entry, offset), n, true);
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        zeroData(offset, length, false);
        return true;
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        zeroData(offset, length, true);
        return true;
    }

    /** Unallocated blocks read as zeroes already; allocated ones get zeroes written (or punched) in place. */
    private void zeroData(long offset, long length, boolean mayUnmap) throws IOException {
        forEachDataRun(offset, length, r -> storage.writeZeroes(r.offset(), r.length(), mayUnmap));
    }

    /** Punches the data of allocated blocks; their entries stay (QEMU ignores discards on VDI). */
    @Override
    public void discardToAny(long offset, long length) throws IOException {
        forEachDataRun(offset, length, r -> storage.discard(r.offset(), r.length()));
    }

    private interface RunAction {
        void apply(ShallowMapping.Raw run) throws IOException;
    }

    private void forEachDataRun(long offset, long length, RunAction action) throws IOException {
        long end = offset + length;
        for (long pos = offset; pos < end; ) {
            ShallowMapping m = getMapping(pos, end - pos);
            if (m instanceof ShallowMapping.Raw r) {
                action.apply(r);
            }
            pos += m.length();
        }
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        throw new UnsupportedFeatureException("vdi images have no backing file");
    }

    /** As QEMU: the data of a static image may lie on holes of its (sparse) file, which then read as zeroes. */
    @Override
    public BlockStatusSource blockStatusSource() {
        return md.header().isStatic() ? BlockStatusSource.MAPPINGS_AND_STORAGE_HOLES : BlockStatusSource.MAPPINGS;
    }

    @Override
    public void flush() {
        // every metadata change is written at once
    }

    @Override
    public void invalidateCache() throws IOException {
        md = Metadata.read(storage, writable);
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw new UnsupportedFeatureException("Image format driver does not support resize");
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
        return new ImageInfo(size(), BLOCK, false, null, null, null, List.of(), false);
    }

    /** QEMU's check of the block map; it repairs nothing. */
    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        if (mode != RepairMode.NONE) {
            throw new UnsupportedFeatureException("This image format does not support checks");
        }
        Metadata m = md;
        return Checker.check(m.header(), m.map(), m.allocator().allocatedBlocks());
    }

    @Override
    public void close() {
        // the storage belongs to the opener
    }
}
