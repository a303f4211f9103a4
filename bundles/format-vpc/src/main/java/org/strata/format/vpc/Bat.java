package org.strata.format.vpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.Align;
import org.strata.api.Storage;

/**
 * The block allocation table of a dynamic disk: one big-endian 32-bit entry per block, the sector where the
 * block's bitmap starts, or {@link #UNALLOCATED}. Pages of it are cached, at most {@link #MAX_CACHED_PAGES} (a
 * hostile header can claim half a billion entries); entries are written through. Not thread-safe: the caller
 * holds its lock.
 */
final class Bat {

    static final int UNALLOCATED = 0xffffffff;

    private static final int PAGE_BYTES = 4096;
    private static final int PAGE_ENTRIES = PAGE_BYTES / 4;
    /** 4 MiB: the whole table of a 2 TiB disk with 2 MiB blocks. */
    private static final int MAX_CACHED_PAGES = 1024;
    /** How much of the table {@link #endOfBlocks} reads at a time. */
    private static final int SCAN_BYTES = 1 << 20;

    private final Storage file;
    private final long offset;
    private final long entries;
    private final Map<Long, int[]> pages = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
            return size() > MAX_CACHED_PAGES;
        }
    };

    /** The table of {@code entries} entries at {@code offset} of {@code file}. */
    Bat(Storage file, long offset, long entries) {
        this.file = file;
        this.offset = offset;
        this.entries = entries;
    }

    long entries() {
        return entries;
    }

    /** The entry of block {@code index} (below {@link #entries()}). */
    int get(long index) throws IOException {
        return page(index / PAGE_ENTRIES)[(int) (index % PAGE_ENTRIES)];
    }

    /** Records {@code sector} as the start of block {@code index}, in the file and here. */
    void set(long index, int sector) throws IOException {
        file.write(ByteBuffer.allocate(4).putInt(0, sector), offset + 4 * index);
        page(index / PAGE_ENTRIES)[(int) (index % PAGE_ENTRIES)] = sector;
    }

    private int[] page(long number) throws IOException {
        int[] page = pages.get(number);
        if (page == null) {
            long start = number * PAGE_ENTRIES;
            int n = (int) Math.min(PAGE_ENTRIES, entries - start);
            page = new int[PAGE_ENTRIES];
            read(start, n).asIntBuffer().get(page, 0, n);
            pages.put(number, page);
        }
        return page;
    }

    private ByteBuffer read(long firstEntry, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * count);
        file.read(b, offset + 4 * firstEntry);
        return b.flip();
    }

    /**
     * Where the last allocated block of the table at {@code offset} ends, or where the table itself ends (rounded
     * up to a sector) when that is later: qemu's {@code free_data_block_offset}, where the next block goes. Reads
     * the table once, a bounded chunk at a time into one buffer (a hostile header's table of hundreds of MiB costs
     * one chunk of memory, not its size in garbage).
     *
     * @param blockSpan a block's bitmap and data, in bytes
     */
    static long endOfBlocks(Storage file, long offset, long entries, long blockSpan) throws IOException {
        long end = Align.up(offset + 4 * entries, 512);
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(SCAN_BYTES, 4 * entries));
        for (long first = 0; first < entries; first += SCAN_BYTES / 4) {
            int n = (int) Math.min(SCAN_BYTES / 4, entries - first);
            file.read(chunk.clear().limit(4 * n), offset + 4 * first);
            for (int i = 0; i < n; i++) {
                int e = chunk.getInt(4 * i);
                if (e != UNALLOCATED) {
                    end = Math.max(end, 512 * Integer.toUnsignedLong(e) + blockSpan);
                }
            }
        }
        return end;
    }
}
