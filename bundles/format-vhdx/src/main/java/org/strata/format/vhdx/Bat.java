package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The block allocation table, in memory: one 64-bit entry per payload block (a state in the low 3 bits, the file
 * offset in MiB in the high 44), with one sector bitmap entry after every {@code chunkRatio} payload entries
 * (used only by differencing images). Changed entries are remembered by the 4 KiB file sector they lie in, so a
 * flush can write those sectors through the log.
 */
final class Bat {

    static final int NOT_PRESENT = 0;
    static final int UNDEFINED = 1;
    static final int ZERO = 2;
    static final int UNMAPPED = 3;
    static final int UNMAPPED_V095 = 5;
    static final int FULLY_PRESENT = 6;
    static final int PARTIALLY_PRESENT = 7;

    static final long OFFSET_MASK = 0xFFFFFFFFFFF00000L;
    private static final int STATE_MASK = 7;
    /** Entries kept in memory at most: 64 MiB, a BAT for 8 TiB in 1 MiB blocks (QEMU's defaults: 64 TiB). */
    static final long MAX_ENTRIES = 8L << 20;

    final long blockSize;
    /** Payload blocks per sector bitmap block: 2^23 sectors' worth of blocks. */
    final long chunkRatio;
    private RegionTable.Region region;
    private long[] entries;
    private final BitSet dirtySectors = new BitSet();

    private Bat(long blockSize, long chunkRatio, RegionTable.Region region, long[] entries) {
        this.blockSize = blockSize;
        this.chunkRatio = chunkRatio;
        this.region = region;
        this.entries = entries;
    }

    static long chunkRatio(long blockSize, int logicalSectorSize) {
        return (1L << 23) * logicalSectorSize / blockSize;
    }

    static long blocks(long virtualSize, long blockSize) {
        return (virtualSize + blockSize - 1) / blockSize;
    }

    /**
     * The entries the BAT region must hold, computed as QEMU does, in 32-bit arithmetic: an empty image
     * "needs" 2^32 / chunkRatio entries, which QEMU creates and insists on.
     */
    static long regionEntries(long virtualSize, long blockSize, long chunkRatio) {
        long blocks = blocks(virtualSize, blockSize);
        return blocks + (((blocks - 1) & 0xFFFFFFFFL) >>> Long.numberOfTrailingZeros(chunkRatio));
    }

    /** The entries that describe the image's blocks (none for an empty image). */
    static long usedEntries(long virtualSize, long blockSize, long chunkRatio) {
        long blocks = blocks(virtualSize, blockSize);
        return blocks == 0 ? 0 : blocks + (blocks - 1) / chunkRatio;
    }

    /** The BAT region's length for an image of this size: whole MiBs. */
    static long regionLength(long virtualSize, long blockSize, long chunkRatio) {
        return Layout.roundUp(regionEntries(virtualSize, blockSize, chunkRatio) * 8, Layout.MIB);
    }

    static Bat read(Storage file, RegionTable.Region region, Metadata m, String name) throws IOException {
        long chunk = chunkRatio(m.blockSize, m.logicalSectorSize);
        long needed = regionEntries(m.virtualSize, m.blockSize, chunk);
        if (needed * 8 > region.length()) {
            throw new ImageFormatException(name + ": VHDX BAT region of " + region.length() + " bytes is too small"
                    + " for " + needed + " entries");
        }
        long used = usedEntries(m.virtualSize, m.blockSize, chunk);
        if (used > MAX_ENTRIES) {
            throw new ImageFormatException(name + ": VHDX BAT of " + used + " entries is too large (at most "
                    + MAX_ENTRIES + "; use bigger blocks)");
        }
        long[] entries = new long[(int) used];
        ByteBuffer b = Layout.buffer((int) Math.min(used * 8, Layout.MIB));
        for (int i = 0; i < used; ) {
            int n = (int) Math.min(b.capacity() / 8, used - i);
            b.clear().limit(n * 8);
            file.read(b, region.offset() + 8L * i);
            b.flip().asLongBuffer().get(entries, i, n);
            i += n;
        }
        return new Bat(m.blockSize, chunk, region, entries);
    }

    /**
     * The used entries of a new image's BAT: each block ZERO, NOT_PRESENT, or FULLY_PRESENT in the data area from
     * {@code data} on (the rest of the region stays zero).
     */
    static ByteBuffer create(long virtualSize, long blockSize, long chunkRatio, int state, long data) {
        ByteBuffer b = Layout.buffer((int) (8 * usedEntries(virtualSize, blockSize, chunkRatio)));
        long blocks = blocks(virtualSize, blockSize);
        for (long block = 0; block < blocks; block++) {
            long offset = state == FULLY_PRESENT ? Layout.roundUp(data + block * blockSize, Layout.MIB) : 0;
            b.putLong((int) (8 * (block + block / chunkRatio)), offset | state);
        }
        return b;
    }

    RegionTable.Region region() {
        return region;
    }

    /** The entry index of payload block {@code block}: sector bitmap entries are interleaved. */
    long index(long block) {
        return block + block / chunkRatio;
    }

    long entry(long block) {
        return entries[(int) index(block)];
    }

    static int state(long entry) {
        return (int) (entry & STATE_MASK);
    }

    static long offset(long entry) {
        return entry & OFFSET_MASK;
    }

    /** Whether the block reads as zeroes (all states but the present ones, as QEMU reads them). */
    static boolean readsZero(int state) {
        return state == NOT_PRESENT || state == UNDEFINED || state == ZERO || state == UNMAPPED
                || state == UNMAPPED_V095;
    }

    void set(long block, long entry) {
        int i = (int) index(block);
        entries[i] = entry;
        markDirty(i, i + 1);
    }

    /** Entries of every index, payload and sector bitmap, for checks. */
    long entryAt(long index) {
        return entries[(int) index];
    }

    long entryCount() {
        return entries.length;
    }

    /** Makes room for the blocks of {@code virtualSize}; entries past them become NOT_PRESENT. */
    void resize(long virtualSize) {
        int used = (int) usedEntries(virtualSize, blockSize, chunkRatio);
        int old = entries.length;
        if (used > old) {
            entries = Arrays.copyOf(entries, used);
            markDirty(old, used);
        } else {
            Arrays.fill(entries, used, old, 0);
            markDirty(used, old);
        }
    }

    /** Remembers the file sectors that hold entries {@code [from, to)}. */
    private void markDirty(int from, int to) {
        if (from < to) {
            long first = region.offset() >>> 12;
            int a = (int) (((region.offset() + 8L * from) >>> 12) - first);
            int b = (int) (((region.offset() + 8L * to - 1) >>> 12) - first);
            dirtySectors.set(a, b + 1);
        }
    }

    boolean isDirty() {
        return !dirtySectors.isEmpty();
    }

    /** The file offsets of the changed 4 KiB sectors. */
    long[] dirtySectorOffsets() {
        long first = region.offset() >>> 12 << 12;
        return dirtySectors.stream().mapToLong(s -> first + ((long) s << 12)).toArray();
    }

    void clean() {
        dirtySectors.clear();
    }

    /** Puts the entries' bytes that lie in the file range {@code [at, at + b.capacity())} into {@code b}. */
    void encode(ByteBuffer b, long at) {
        long start = Math.max(at, region.offset());
        long end = Math.min(at + b.capacity(), region.offset() + 8L * entries.length);
        for (long p = start; p < end; p++) {
            long rel = p - region.offset();
            b.put((int) (p - at), (byte) (entries[(int) (rel >>> 3)] >>> (8 * (rel & 7))));
        }
    }

    /** Moves the table to {@code newRegion} (whose content the caller writes whole). */
    void relocate(RegionTable.Region newRegion) {
        region = newRegion;
        dirtySectors.clear();
    }
}
