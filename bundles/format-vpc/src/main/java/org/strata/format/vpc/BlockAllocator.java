package org.strata.format.vpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * Allocates the blocks of a dynamic disk as qemu does: a new block goes where the footer was (after the last
 * block), its sector bitmap all ones, the footer moves behind it, then the table points at it. And, as qemu, it
 * sets the whole bitmap of a block written that another tool may have left partial, so that tool reads every
 * sector written. Not thread-safe: the caller holds its lock.
 */
final class BlockAllocator {

    /** Sectors a table entry can address: 32 bits, 0xFFFFFFFF meaning unallocated. */
    private static final long MAX_SECTOR = 0xfffffffeL;

    private final Storage file;
    private final Footer footer;
    private final Bat bat;
    private final long blockSize;
    private final long bitmapSize;
    /** qemu's free_data_block_offset: where the next block's bitmap goes, and the footer until then. */
    private long end;
    /** Blocks whose bitmap this session has made whole (or allocated whole). */
    private final BitSet wholeBitmaps = new BitSet();

    BlockAllocator(Storage file, Footer footer, Bat bat, long blockSize, long bitmapSize, long end) {
        this.file = file;
        this.footer = footer;
        this.bat = bat;
        this.blockSize = blockSize;
        this.bitmapSize = bitmapSize;
        this.end = end;
    }

    /**
     * Allocates block {@code index} and returns the sector of its bitmap.
     *
     * @param overwritten the caller writes the whole block, so its data need not be zeroed
     */
    int allocate(long index, boolean overwritten) throws IOException {
        long start = end;
        if (start / 512 > MAX_SECTOR) {
            throw new ImageFormatException(file.location() + ": the file has no room for another block (a VHD "
                    + "table addresses 2 TiB)");
        }
        long data = start + bitmapSize;
        long fileSize = file.size();
        if (!overwritten && data < fileSize) {
            // past the last block the file may hold an older footer or an interrupted allocation: not guest data
            file.writeZeroes(data, Math.min(blockSize, fileSize - data), true);
        }
        file.write(ones(), start);
        end = data + blockSize;
        file.write(footer.buffer(), end);
        file.sync(); // the file holds the block (and has grown) before the table points at it
        bat.set(index, (int) (start / 512));
        wholeBitmaps.set((int) index);
        return (int) (start / 512);
    }

    boolean bitmapWhole(long index) {
        return wholeBitmaps.get((int) index);
    }

    /** Sets every bit of the bitmap of block {@code index} (at sector {@code entry}), once per session. */
    void makeBitmapWhole(long index, int entry) throws IOException {
        if (!wholeBitmaps.get((int) index)) {
            file.write(ones(), 512 * Integer.toUnsignedLong(entry));
            wholeBitmaps.set((int) index);
        }
    }

    private ByteBuffer ones() {
        byte[] b = new byte[(int) bitmapSize];
        Arrays.fill(b, (byte) 0xff);
        return ByteBuffer.wrap(b);
    }
}
