package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.Storage;

/**
 * The 32-bit little-endian table entries (grain directories and grain tables) of an image's extent files, read in
 * 4 KiB pages and kept in one LRU cache for the whole image. However many entries headers claim and however many
 * extents a descriptor names, only the pages looked at are read and at most 4 MiB of them are kept; entries past
 * the end of a file read as 0, as QEMU reads them. Updates are written through. Thread-safe.
 */
final class TableCache {

    private static final int PAGE = 4096;
    private static final int MAX_PAGES = 1024;

    private record Key(Storage file, long page) {
    }

    private final Map<Key, ByteBuffer> pages = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, ByteBuffer> eldest) {
            return size() > MAX_PAGES;
        }
    };
    /**
     * The page looked at last: scans go entry by entry (a check steps through millions of grain directory entries
     * of a huge image), and find it without a lookup or a key of their own. Kept up to date by {@link #set} even
     * when the cache has let it go.
     */
    private Key lastKey;
    private ByteBuffer lastPage;

    /** The entry at byte {@code offset} of {@code file}, as an unsigned number. */
    synchronized long get(Storage file, long offset) throws IOException {
        return Integer.toUnsignedLong(page(file, offset / PAGE).getInt((int) (offset % PAGE)));
    }

    /** Writes the entry at byte {@code offset} of {@code file} (to the file first, then to the cache). */
    synchronized void set(Storage file, long offset, long value) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) value);
        file.write(b, offset);
        ByteBuffer cached = cached(file, offset / PAGE);
        if (cached != null) {
            cached.putInt((int) (offset % PAGE), (int) value);
        }
    }

    /** Forgets the cached pages of {@code file} (it was changed behind our back). */
    synchronized void clear(Storage file) {
        pages.keySet().removeIf(k -> k.file() == file);
        if (lastKey != null && lastKey.file() == file) {
            lastKey = null;
            lastPage = null;
        }
    }

    private ByteBuffer page(Storage file, long index) throws IOException {
        ByteBuffer p = cached(file, index);
        if (p == null) {
            p = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
            file.read(p, index * PAGE);
            p.clear();
            Key key = new Key(file, index);
            pages.put(key, p);
            lastKey = key;
            lastPage = p;
        }
        return p;
    }

    /** The page if it is cached (or the last one looked at), else null. */
    private ByteBuffer cached(Storage file, long index) {
        if (lastKey != null && lastKey.file() == file && lastKey.page() == index) {
            return lastPage;
        }
        Key key = new Key(file, index);
        ByteBuffer p = pages.get(key);
        if (p != null) {
            lastKey = key;
            lastPage = p;
        }
        return p;
    }
}
