package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.strata.api.Storage;

/**
 * A write-back cache of cluster-sized metadata tables (L2 tables or refcount blocks), evicted in "second chance"
 * order (an approximation of least recently used: the oldest table goes first unless it was used since it was
 * last passed over). One caller at a time changes it (under the image's exclusive metadata lock, or its
 * allocation lock); {@link #peek} may run meanwhile, in parallel with it and with other peeks: the tables are
 * found through a concurrent map, and the eviction order is the changer's alone. A table returned by
 * {@link #get} stays valid until the next {@link #get}/{@link #create} on this cache; callers mark it dirty before
 * asking for another.
 *
 * <p>Before any dirty table is written (at flush or eviction), {@link #beforeWrite} runs: for the L2 cache it
 * writes back the refcount blocks first, so no L2 entry reaches the disk before the refcount of its cluster.
 */
final class TableCache {

    /** Runs before dirty tables are written. */
    interface Hook {
        void run() throws IOException;
    }

    /** Validates a table's offset before it is read or written (overlap checks). */
    interface Guard {
        void check(long offset, String what) throws IOException;
    }

    private static final class Table {
        final byte[] data;
        boolean dirty;
        /** Used since eviction last passed over it (set by shared readers too: a benign race). */
        boolean used;

        Table(byte[] data) {
            this.data = data;
        }
    }

    private final Storage storage;
    private final int tableSize;
    private final int capacity;
    private final String what;
    /** The cached tables by offset: read by {@link #peek} while the one changer changes it. */
    private final ConcurrentHashMap<Long, Table> tables = new ConcurrentHashMap<>();
    /** The cached tables' offsets in insertion order, for eviction: the changer's alone. */
    private final ArrayDeque<Long> order = new ArrayDeque<>();
    private Hook beforeWrite = () -> { };
    private Guard guard = (o, w) -> { };

    TableCache(Storage storage, int tableSize, long budgetBytes, String what) {
        this.storage = storage;
        this.tableSize = tableSize;
        this.capacity = (int) Math.max(16, Math.min(1 << 16, budgetBytes / tableSize));
        this.what = what;
    }

    void setBeforeWrite(Hook hook) {
        this.beforeWrite = hook;
    }

    void setGuard(Guard guard) {
        this.guard = guard;
    }

    /** The table at {@code offset}, read from storage when not cached. */
    byte[] get(long offset) throws IOException {
        Table t = tables.get(offset);
        if (t != null) {
            t.used = true;
        } else {
            guard.check(offset, what);
            byte[] data = new byte[tableSize];
            storage.read(ByteBuffer.wrap(data), offset);
            t = insert(offset, data);
        }
        return t.data;
    }

    /** The table at {@code offset} when cached, else null; reads nothing and changes no structure. */
    byte[] peek(long offset) {
        Table t = tables.get(offset);
        if (t == null) {
            return null;
        }
        t.used = true;
        return t.data;
    }

    /** A new table at {@code offset} (contents given), dirty. */
    byte[] create(long offset, byte[] data) throws IOException {
        Table t = tables.get(offset);
        if (t == null) {
            t = insert(offset, data);
        } else {
            System.arraycopy(data, 0, t.data, 0, tableSize);
        }
        t.dirty = true;
        return t.data;
    }

    private Table insert(long offset, byte[] data) throws IOException {
        if (tables.size() >= capacity) {
            evict();
        }
        Table t = new Table(data);
        tables.put(offset, t);
        order.addLast(offset);
        return t;
    }

    private void evict() throws IOException {
        // Tables used since they were last passed over go to the back once (bounded: after one pass none is).
        for (int passed = 0; passed < order.size(); passed++) {
            Table eldest = tables.get(order.peekFirst());
            if (!eldest.used) {
                break;
            }
            eldest.used = false;
            order.addLast(order.pollFirst());
        }
        long key = order.peekFirst();
        if (tables.get(key).dirty) {
            // Write back every dirty table at once: one ordering barrier instead of one per eviction.
            flush();
        }
        order.pollFirst();
        tables.remove(key);
    }

    void markDirty(long offset) {
        Table t = tables.get(offset);
        if (t == null) {
            throw new IllegalStateException(what + " at " + offset + " was evicted while in use");
        }
        t.dirty = true;
    }

    boolean contains(long offset) {
        return tables.containsKey(offset);
    }

    boolean hasDirty() {
        for (Table t : tables.values()) {
            if (t.dirty) {
                return true;
            }
        }
        return false;
    }

    /** Writes every dirty table, in offset order. */
    void flush() throws IOException {
        List<Long> dirty = new ArrayList<>();
        for (Map.Entry<Long, Table> e : tables.entrySet()) {
            if (e.getValue().dirty) {
                dirty.add(e.getKey());
            }
        }
        if (dirty.isEmpty()) {
            return;
        }
        beforeWrite.run();
        dirty.sort(null);
        for (long off : dirty) {
            write(off, tables.get(off));
        }
    }

    private void write(long offset, Table t) throws IOException {
        guard.check(offset, what);
        storage.write(ByteBuffer.wrap(t.data), offset);
        t.dirty = false;
    }

    /** Forgets a table whose cluster was freed, without writing it. */
    void drop(long offset) {
        if (tables.remove(offset) != null) {
            order.remove(offset);
        }
    }

    /** Forgets everything, dirty or not. */
    void clear() {
        tables.clear();
        order.clear();
    }

    int tableSize() {
        return tableSize;
    }
}
