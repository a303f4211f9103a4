package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * The guest-to-host mapping (docs/interop/qcow2.rst, "Cluster mapping"): the active L1 table in memory and L2
 * tables in a write-back cache. L1 entries that point to new L2 tables are written at flush, after the L2 tables
 * themselves. All methods run under the image's metadata lock.
 */
final class ClusterMap {

    private final ImageState s;
    private final Refcounts refcounts;
    private final TableCache l2;
    private long[] l1;
    private final BitSet l1Dirty = new BitSet();

    ClusterMap(ImageState state, Refcounts refcounts, long cacheBudget) {
        this.s = state;
        this.refcounts = refcounts;
        this.l2 = new TableCache(state.file, (int) state.clusterSize(), cacheBudget, "L2 table");
        l2.setGuard((off, what) -> {
            s.checkMetadataOffset(off, what);
            s.checkOverlap(off, s.clusterSize(), what, s.activeL2Tables);
        });
        // Refcounts of newly allocated clusters, and copied data, reach the disk before the L2 entries that use them.
        l2.setBeforeWrite(() -> {
            refcounts.flush();
            s.refcountSync();
        });
    }

    void load() throws IOException {
        Header h = s.header;
        l1 = readL1(h.l1TableOffset, h.l1Size);
        l1Dirty.clear();
        l2.clear();
        indexL2Tables();
    }

    private void indexL2Tables() {
        s.activeL2Tables.clear();
        for (long e : l1) {
            long off = e & L2Entry.OFFSET_MASK;
            if (off != 0) {
                s.activeL2Tables.add(off);
            }
        }
    }

    long[] readL1(long offset, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size * 8);
        if (size > 0) {
            s.file.read(b, offset);
        }
        b.flip();
        long[] t = new long[size];
        b.asLongBuffer().get(t);
        return t;
    }

    long[] l1() {
        return l1;
    }

    TableCache cache() {
        return l2;
    }

    /** The L2 table offset for guest offset {@code guest}, 0 when it has none. */
    long l2Offset(long guest) throws IOException {
        int idx = s.geometry.l1Index(guest);
        if (idx >= l1.length) {
            return 0;
        }
        return l2OffsetOf(idx);
    }

    private long l2OffsetOf(int idx) throws IOException {
        long e = l1[idx];
        long off = e & L2Entry.OFFSET_MASK;
        if (off != 0 && (off & (s.clusterSize() - 1)) != 0) {
            throw s.corruption("L2 table offset 0x" + Long.toHexString(off) + " unaligned (L1 index " + idx + ")");
        }
        if (off != 0 && !l2.contains(off)) {
            if (off >= s.file.size()) {
                throw s.corruption("L2 table offset 0x" + Long.toHexString(off) + " lies beyond the end of the file");
            }
            s.checkFixedOverlap(off, s.clusterSize(), "L2 table (L1 index " + idx + ")");
        }
        return off;
    }

    /**
     * As {@link #l2Offset(long)} but changing nothing (under the shared lock): -1 when the table is not cached or
     * its offset is invalid, so the exclusive path must look.
     */
    long cachedL2Offset(long guest) {
        int idx = s.geometry.l1Index(guest);
        long[] table = l1;
        if (idx >= table.length) {
            return 0;
        }
        long off = table[idx] & L2Entry.OFFSET_MASK;
        if (off != 0 && ((off & (s.clusterSize() - 1)) != 0 || !l2.contains(off))) {
            return -1;
        }
        return off;
    }

    /** The cached L2 table at {@code offset}, or null; changes nothing but its recent-use mark. */
    byte[] cachedTable(long offset) {
        return l2.peek(offset);
    }

    /** The L2 table at {@code offset}, cached. */
    byte[] table(long offset) throws IOException {
        return l2.get(offset);
    }

    long entry(byte[] table, int index) {
        return (long) LONGS.get(table, index * s.geometry.l2EntryBytes);
    }

    long bitmap(byte[] table, int index) {
        return s.geometry.extendedL2 ? (long) LONGS.get(table, index * 16 + 8) : 0;
    }

    /** Big-endian longs in a byte array, without a wrapping buffer per access. */
    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /** Sets one L2 entry (and its subcluster bitmap) of the cached table at {@code l2Offset}. */
    void set(long l2Offset, int index, long entry, long bitmap) throws IOException {
        byte[] t = l2.get(l2Offset);
        ByteBuffer b = ByteBuffer.wrap(t);
        b.putLong(index * s.geometry.l2EntryBytes, entry);
        if (s.geometry.extendedL2) {
            b.putLong(index * 16 + 8, bitmap);
        }
        l2.markDirty(l2Offset);
    }

    /**
     * The L2 table for {@code guest}, ready to be changed: allocated when missing, copied when shared with a
     * snapshot. Returns its offset.
     */
    long l2ForWrite(long guest) throws IOException {
        int idx = s.geometry.l1Index(guest);
        if (idx >= l1.length) {
            throw new IOException(s.name + ": offset " + guest + " lies beyond the L1 table");
        }
        long e = l1[idx];
        long off = l2OffsetOf(idx);
        if (off != 0 && (e & L2Entry.COPIED) != 0) {
            return off;
        }
        if (off != 0 && refcounts.get(off >>> s.geometry.clusterBits) == 1) {
            setL1(idx, off | L2Entry.COPIED);
            return off;
        }
        long cs = s.clusterSize();
        long fresh = refcounts.allocate(1);
        s.checkOverlap(fresh, cs, "new L2 table");
        byte[] content = off == 0 ? new byte[(int) cs] : l2.get(off).clone();
        l2.create(fresh, content);
        if (off != 0) {
            refcounts.freeLater(off, cs); // the snapshot keeps its reference
        }
        setL1(idx, fresh | L2Entry.COPIED);
        return fresh;
    }

    void setL1(int idx, long value) {
        long old = l1[idx] & L2Entry.OFFSET_MASK;
        l1[idx] = value;
        l1Dirty.set(idx);
        if (old != (value & L2Entry.OFFSET_MASK)) {
            indexL2Tables();
        }
    }

    /** Writes dirty L2 tables (refcounts first), then the L1 entries that point to them. */
    void flush() throws IOException {
        boolean wroteL2 = l2.hasDirty();
        l2.flush();
        if (l1Dirty.isEmpty()) {
            return;
        }
        if (!wroteL2) {
            refcounts.flush();
        }
        s.orderedSync();
        long base = s.header.l1TableOffset;
        s.checkMetadataOffset(base, "L1 table");
        for (int i = l1Dirty.nextSetBit(0); i >= 0; ) {
            int end = l1Dirty.nextClearBit(i);
            ByteBuffer b = ByteBuffer.allocate((end - i) * 8);
            for (int j = i; j < end; j++) {
                b.putLong(l1[j]);
            }
            s.file.write(b.flip(), base + 8L * i);
            i = l1Dirty.nextSetBit(end);
        }
        l1Dirty.clear();
    }

    boolean hasDirty() {
        return !l1Dirty.isEmpty() || l2.hasDirty();
    }

    /** Replaces the active L1 table with a larger one (exact size); L2 tables must be flushed before. */
    void growL1(int newSize) throws IOException {
        flush();
        s.orderedSync();
        long cs = s.clusterSize();
        long bytes = (long) newSize * 8;
        if (bytes > Header.MAX_L1_BYTES) {
            throw new IOException(s.name + ": the L1 table would exceed its maximum size");
        }
        long clusters = (bytes + cs - 1) / cs;
        long off = refcounts.allocate(clusters);
        long[] grown = java.util.Arrays.copyOf(l1, newSize);
        ByteBuffer b = ByteBuffer.allocate((int) bytes); // as qemu-img: the table, not the rest of its cluster
        b.asLongBuffer().put(grown);
        refcounts.flush();
        s.file.write(b, off);
        s.orderedSync();
        long oldOff = s.header.l1TableOffset;
        long oldBytes = (long) s.header.l1Size * 8;
        s.header.l1TableOffset = off;
        s.header.l1Size = newSize;
        s.writeHeader();
        s.orderedSync();
        l1 = grown;
        indexL2Tables();
        if (oldBytes > 0) {
            for (long c = 0; c < (oldBytes + cs - 1) / cs; c++) {
                refcounts.add((oldOff >>> s.geometry.clusterBits) + c, -1);
            }
        }
    }

    /** Replaces the in-memory L1 table (snapshot revert), marking every entry dirty. */
    void replaceL1(long[] table) {
        l1 = table;
        l2.clear();
        l1Dirty.clear();
        indexL2Tables();
    }
}
