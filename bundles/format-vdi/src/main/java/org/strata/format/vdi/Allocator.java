package org.strata.format.vdi;

import java.io.IOException;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * Allocates data blocks as QEMU does: a guest block gets the data block after the ones in use (the header's
 * count), which then reads as zeroes wherever the caller does not write; then the header's count and the block
 * map entry are written, in that order and with a sync between them, so that even a power cut leaves at worst a
 * counted block no entry uses, never an entry the count misses (QEMU, which writes them without a sync, would
 * then hand that block out twice). On a device (a storage of fixed size) a block that would end past it is
 * refused before anything changes.
 *
 * <p>Before the first allocation the whole map is checked once: the next index must be free, so no entry may
 * point at or beyond the header's count. QEMU allocates into such an image anyway, overwriting the data of
 * another guest block; here the allocation is refused.
 */
final class Allocator {

    private final Storage storage;
    private final Header header;
    private final BlockMap map;
    private long allocated;
    private boolean mapChecked;

    Allocator(Storage storage, Header header, BlockMap map) {
        this.storage = storage;
        this.header = header;
        this.map = map;
        this.allocated = header.blocksAllocated();
    }

    /** Data blocks in use, as the header now records them. */
    synchronized long allocatedBlocks() {
        return allocated;
    }

    /**
     * Gives guest block {@code block} a data block, unless it has one, and returns its entry. The bytes of
     * {@code [from, to)} inside the block are left as they are (the caller writes them); the rest reads as zeroes.
     */
    synchronized int allocate(long block, long from, long to) throws IOException {
        int entry = map.get(block);
        if (BlockMap.isAllocated(entry)) {
            return entry;
        }
        checkMapOnce();
        if (allocated >= header.blocksInImage()) {
            throw new ImageFormatException("vdi: Image is corrupt: its header counts all " + header.blocksInImage()
                    + " blocks as allocated; cannot allocate");
        }
        long index = allocated;
        long start = header.blockOffset(index);
        if (storage.fixedSize() && start + Header.BLOCK_SIZE > storage.size()) {
            throw new IOException(storage.location() + ": the device is full: data block " + index + " would end at "
                    + (start + Header.BLOCK_SIZE) + ", the device holds " + storage.size()
                    + " bytes (a device is never resized)");
        }
        zero(start, from);
        zero(start + to, Header.BLOCK_SIZE - to);
        Header.writeAllocated(storage, index + 1);
        storage.sync();
        allocated = index + 1;
        map.set(block, (int) index);
        return (int) index;
    }

    private void zero(long offset, long length) throws IOException {
        if (length > 0) {
            storage.writeZeroes(offset, length, true);
        }
    }

    private void checkMapOnce() throws IOException {
        if (mapChecked) {
            return;
        }
        long[] offending = {-1, 0};
        map.forEachRun((first, count, entry) -> {
            if (offending[0] < 0 && BlockMap.isAllocated(entry) && Integer.toUnsignedLong(entry) >= allocated) {
                offending[0] = first;
                offending[1] = Integer.toUnsignedLong(entry);
            }
        });
        if (offending[0] >= 0) {
            throw new ImageFormatException("vdi: Image is corrupt: block " + offending[0] + " uses data block "
                    + offending[1] + ", but the header counts " + allocated + " in use; cannot allocate"
                    + " (see image:check)");
        }
        mapChecked = true;
    }
}
