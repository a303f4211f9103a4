package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.Storage;

/**
 * The 32-bit little-endian table entries of one extent file (grain directories and grain tables), read in 4 KiB
 * pages and kept in a small LRU cache. However many entries a header claims, only the pages looked at are read,
 * so memory stays bounded; entries past the end of the file read as 0, as QEMU reads them. Updates are written
 * through. Thread-safe.
 */
final class TableCache {

    private static final int PAGE = 4096;
    private static final int MAX_PAGES = 256;

    private final Storage storage;
    private final Map<Long, ByteBuffer> pages = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ByteBuffer> eldest) {
            return size() > MAX_PAGES;
        }
    };

    TableCache(Storage storage) {
        this.storage = storage;
    }

    /** The entry at byte {@code offset} of the file, as an unsigned number. */
    synchronized long get(long offset) throws IOException {
        return Integer.toUnsignedLong(page(offset / PAGE).getInt((int) (offset % PAGE)));
    }

    /** Writes the entry at byte {@code offset} (to the file first, then to the cache). */
    synchronized void set(long offset, long value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) value);
        storage.write(b, offset);
        ByteBuffer cached = pages.get(offset / PAGE);
        if (cached != null) {
            cached.putInt((int) (offset % PAGE), (int) value);
        }
    }

    /** Forgets every cached page (the file was changed behind our back). */
    synchronized void clear() {
        pages.clear();
    }

    private ByteBuffer page(long index) throws IOException {
        ByteBuffer p = pages.get(index);
        if (p == null) {
            p = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
            storage.read(p, index * PAGE);
            p.clear();
            pages.put(index, p);
        }
        return p;
    }
}
