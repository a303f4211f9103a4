package org.strata.format.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.Storage;

/**
 * The block map: one little-endian 32-bit entry per guest block, the index of the data block holding it, or
 * {@link #UNALLOCATED} / {@link #DISCARDED}, both of which read as zeroes in QEMU. QEMU keeps the whole map in
 * memory (up to 2 GiB for the largest image it accepts); here it is read in pages on demand and kept in a
 * bounded cache, so memory never follows what a header claims. Entries past the end of the file read as 0, as
 * in QEMU. Writes go through to the storage at once. Thread-safe.
 */
final class BlockMap {

    /** A block never written. */
    static final int UNALLOCATED = 0xffffffff;
    /** A block discarded (VirtualBox's zero block). */
    static final int DISCARDED = 0xfffffffe;

    private static final int PAGE_ENTRIES = 1024;
    /** 16 MiB of entries at most, which map 4 TiB of guest blocks. */
    private static final int MAX_PAGES = 4096;
    /** Entries read at once by {@link #forEach}. */
    private static final int SCAN_ENTRIES = 1 << 18;

    private final Storage storage;
    private final long offset;
    private final long entries;
    private final Map<Long, int[]> pages = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, int[]> eldest) {
            return size() > MAX_PAGES;
        }
    };

    BlockMap(Storage storage, long offset, long entries) {
        this.storage = storage;
        this.offset = offset;
        this.entries = entries;
    }

    static boolean isAllocated(int entry) {
        return Integer.compareUnsigned(entry, DISCARDED) < 0;
    }

    /** The entry of guest block {@code block} (below the number of entries). */
    synchronized int get(long block) throws IOException {
        return page(block / PAGE_ENTRIES)[(int) (block % PAGE_ENTRIES)];
    }

    /** Writes the entry of {@code block} to the storage, then remembers it. */
    synchronized void set(long block, int entry) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, entry);
        storage.write(b, offset + block * 4);
        page(block / PAGE_ENTRIES)[(int) (block % PAGE_ENTRIES)] = entry;
    }

    /** Forgets what was read, so entries are read from the storage again. */
    synchronized void invalidate() {
        pages.clear();
    }

    private int[] page(long index) throws IOException {
        int[] page = pages.get(index);
        if (page == null) {
            long first = index * PAGE_ENTRIES;
            page = new int[(int) Math.min(PAGE_ENTRIES, entries - first)];
            read(first, page);
            pages.put(index, page);
        }
        return page;
    }

    private void read(long first, int[] into) throws IOException {
        read(first, into, into.length, ByteBuffer.allocate(into.length * 4));
    }

    /** Reads {@code count} entries from {@code first} on into {@code into}, through {@code bytes} (large enough). */
    private void read(long first, int[] into, int count, ByteBuffer bytes) throws IOException {
        ByteBuffer b = bytes.clear().limit(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        storage.read(b, offset + first * 4);
        b.clear().limit(count * 4);
        b.asIntBuffer().get(into, 0, count);
    }

    /** What {@link #forEachRun} calls. */
    interface Visitor {
        /** Guest blocks {@code [first, first + count)} all have {@code entry}. */
        void visit(long first, long count, int entry);
    }

    /**
     * Visits every entry in block order, as runs of equal entries, reading the map in large pieces past the
     * cache. Entries past the file's end make one run of zeroes, however many a header claims.
     */
    void forEachRun(Visitor visitor) throws IOException {
        long fileEnd = storage.size();
        // one chunk and one byte buffer for the whole scan: a map of millions of entries makes no garbage per chunk
        int[] chunk = new int[(int) Math.min(SCAN_ENTRIES, entries)];
        ByteBuffer bytes = ByteBuffer.allocate(chunk.length * 4);
        for (long first = 0; first < entries; first += chunk.length) {
            if (offset + first * 4 >= fileEnd) {
                visitor.visit(first, entries - first, 0);
                return;
            }
            int n = (int) Math.min(chunk.length, entries - first);
            read(first, chunk, n, bytes);
            int runStart = 0;
            for (int i = 1; i <= n; i++) {
                if (i == n || chunk[i] != chunk[runStart]) {
                    visitor.visit(first + runStart, i - runStart, chunk[runStart]);
                    runStart = i;
                }
            }
        }
    }
}
