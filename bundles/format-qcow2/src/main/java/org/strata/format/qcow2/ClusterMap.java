package org.strata.format.qcow2;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.locks.StampedLock;

/**
 * The guest-to-host mapping (docs/interop/qcow2.rst, "Cluster mapping"): the active L1 table in memory and L2
 * tables in a write-back cache, the L2 entry ({@link Slot}) of each guest cluster, and the changes to them. L1
 * entries that point to new L2 tables are written at flush, after the L2 tables themselves. One caller at a time
 * changes it (under the image's exclusive metadata lock, or its allocation lock); the methods that say they change
 * nothing may run meanwhile, in parallel: L1 entries are published with release stores, a table reaches the cache
 * before an L1 entry names it, and an L2 entry with its subcluster bitmap is read as one (a {@link StampedLock}'s
 * optimistic read, which {@link #set} invalidates).
 */
final class ClusterMap {

    /** The L2 entry of the cluster at a guest offset: table offset (0 when none), index, entry, bitmap. */
    record Slot(long l2Offset, int index, long entry, long bitmap) {
    }

    /** Big-endian longs in a byte array, without a wrapping buffer per access. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** L1 entries, read and changed atomically while readers look up in parallel. */
    private static final VarHandle L1_ENTRIES = MethodHandles.arrayElementVarHandle(long[].class);

    private final ImageFile file;
    private final Refcounts refcounts;
    private final TableCache l2;
    private long[] l1;
    private final BitSet l1Dirty = new BitSet();
    /** Held exclusively while an L2 entry changes: lookups in parallel read entry and bitmap optimistically. */
    private final StampedLock entryChange = new StampedLock();

    ClusterMap(ImageFile file, Refcounts refcounts, long cacheBudget) {
        this.file = file;
        this.refcounts = refcounts;
        this.l2 = new TableCache(file.storage(), (int) file.clusterSize(), cacheBudget, "L2 table");
        l2.setGuard((off, what) -> {
            file.checkMetadataOffset(off, what);
            file.requireNoOverlap(off, file.clusterSize(), what, Metadata.ACTIVE_L2);
        });
        // Refcounts of newly allocated clusters, and copied data, reach the disk before the L2 entries that use them.
        l2.setBeforeWrite(() -> {
            refcounts.flush();
            file.refcountSync();
        });
    }

    void load() throws IOException {
        Header h = file.header();
        l1 = readL1(h.l1TableOffset(), h.l1Size());
        l1Dirty.clear();
        l2.clear();
        file.overlaps().activeL2TablesAre(l1);
    }

    long[] readL1(long offset, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(size * 8);
        if (size > 0) {
            file.storage().read(b, offset);
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

    // ------------------------------------------------------------------ looking up

    /** The L2 entry of the cluster at {@code guest}, its table read when not cached. */
    Slot slot(long guest) throws IOException {
        int index = file.geometry().l2Index(guest);
        long l2Off = l2Offset(guest);
        if (l2Off == 0) {
            return new Slot(0, index, 0, 0);
        }
        byte[] t = table(l2Off);
        long e = entry(t, index);
        long b = bitmap(t, index);
        validate(e, b, guest);
        return new Slot(l2Off, index, e, b);
    }

    /**
     * As {@link #slot(long)} from cached tables only, changing nothing (so in parallel with a change): null where
     * the locked path must decide, because a table is not cached, the entry is invalid or it changed meanwhile.
     */
    Slot cachedSlot(long guest) {
        int index = file.geometry().l2Index(guest);
        long l2Off = cachedL2Offset(guest);
        if (l2Off == 0) {
            return new Slot(0, index, 0, 0);
        }
        byte[] t = l2Off < 0 ? null : l2.peek(l2Off);
        if (t == null) {
            return null;
        }
        long stamp = entryChange.tryOptimisticRead();
        long e = entry(t, index);
        long b = bitmap(t, index);
        if (!entryChange.validate(stamp)) {
            return null;
        }
        return valid(e, b) ? new Slot(l2Off, index, e, b) : null;
    }

    private boolean valid(long e, long bitmap) {
        if (L2Entry.isCompressed(e)) {
            return !file.header().hasDataFile();
        }
        return (L2Entry.offset(e) & (file.clusterSize() - 1)) == 0
                && !(file.geometry().extendedL2 && ((bitmap >>> 32) & bitmap & 0xffffffffL) != 0);
    }

    private void validate(long e, long bitmap, long guest) throws IOException {
        if (L2Entry.isCompressed(e)) {
            if (file.header().hasDataFile()) {
                throw file.corruption("compressed cluster at guest offset " + guest + " in an image with a data file");
            }
            return;
        }
        long off = L2Entry.offset(e);
        if ((off & (file.clusterSize() - 1)) != 0) {
            throw file.corruption("cluster allocation offset 0x" + Long.toHexString(off)
                    + " unaligned (guest offset " + guest + ")");
        }
        if (file.geometry().extendedL2 && ((bitmap >>> 32) & bitmap & 0xffffffffL) != 0) {
            throw file.corruption("invalid subcluster bitmap 0x" + Long.toHexString(bitmap) + " at guest offset "
                    + guest);
        }
    }

    /** What the (sub)cluster at {@code guest} holds, by its slot. */
    L2Entry.Kind kindAt(Slot slot, long guest) {
        Geometry g = file.geometry();
        boolean dataFile = file.header().hasDataFile();
        if (g.extendedL2) {
            return L2Entry.subclusterKind(slot.entry, slot.bitmap, g.subclusterIndex(guest), dataFile);
        }
        return L2Entry.kind(slot.entry, dataFile);
    }

    /** The L2 table offset for guest offset {@code guest}, 0 when it has none. */
    long l2Offset(long guest) throws IOException {
        int idx = file.geometry().l1Index(guest);
        if (idx >= l1.length) {
            return 0;
        }
        return l2OffsetOf(idx);
    }

    private long l2OffsetOf(int idx) throws IOException {
        long e = l1[idx];
        long off = e & L2Entry.OFFSET_MASK;
        if (off != 0 && (off & (file.clusterSize() - 1)) != 0) {
            throw file.corruption("L2 table offset 0x" + Long.toHexString(off) + " unaligned (L1 index " + idx + ")");
        }
        if (off != 0 && !l2.contains(off)) {
            if (off >= file.storage().size()) {
                throw file.corruption("L2 table offset 0x" + Long.toHexString(off)
                        + " lies beyond the end of the file");
            }
            file.requireNoOverlap(off, file.clusterSize(), "L2 table (L1 index " + idx + ")", Metadata.ACTIVE_L2);
        }
        return off;
    }

    /** As {@link #l2Offset(long)} but changing nothing: -1 when the offset is invalid. */
    private long cachedL2Offset(long guest) {
        int idx = file.geometry().l1Index(guest);
        long[] table = l1;
        if (idx >= table.length) {
            return 0;
        }
        long off = (long) L1_ENTRIES.getAcquire(table, idx) & L2Entry.OFFSET_MASK;
        return (off & (file.clusterSize() - 1)) != 0 ? -1 : off;
    }

    /** The L2 table at {@code offset}, cached. */
    byte[] table(long offset) throws IOException {
        return l2.get(offset);
    }

    long entry(byte[] table, int index) {
        return (long) LONGS.get(table, index * file.geometry().l2EntryBytes);
    }

    long bitmap(byte[] table, int index) {
        return file.geometry().extendedL2 ? (long) LONGS.get(table, index * 16 + 8) : 0;
    }

    // ------------------------------------------------------------------ changing

    /** Sets one L2 entry (and its subcluster bitmap) of the cached table at {@code l2Offset}. */
    void set(long l2Offset, int index, long entry, long bitmap) throws IOException {
        byte[] t = l2.get(l2Offset);
        long stamp = entryChange.writeLock();
        try {
            LONGS.setRelease(t, index * file.geometry().l2EntryBytes, entry);
            if (file.geometry().extendedL2) {
                LONGS.setRelease(t, index * 16 + 8, bitmap);
            }
        } finally {
            entryChange.unlockWrite(stamp);
        }
        l2.markDirty(l2Offset);
    }

    /**
     * The L2 table for {@code guest}, ready to be changed: allocated when missing, copied when shared with a
     * snapshot. Returns its offset.
     */
    long l2ForWrite(long guest) throws IOException {
        int idx = file.geometry().l1Index(guest);
        if (idx >= l1.length) {
            throw new IOException(file.name() + ": offset " + guest + " lies beyond the L1 table");
        }
        long e = l1[idx];
        long off = l2OffsetOf(idx);
        if (off != 0 && (e & L2Entry.COPIED) != 0) {
            return off;
        }
        if (off != 0 && refcounts.get(off >>> file.geometry().clusterBits) == 1) {
            setL1(idx, off | L2Entry.COPIED);
            return off;
        }
        long cs = file.clusterSize();
        long fresh = refcounts.allocate(1);
        file.requireNoOverlap(fresh, cs, "new L2 table");
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
        L1_ENTRIES.setRelease(l1, idx, value);
        l1Dirty.set(idx);
        if (old != (value & L2Entry.OFFSET_MASK)) {
            file.overlaps().activeL2TablesAre(l1);
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
        file.orderedSync();
        long base = file.header().l1TableOffset();
        file.checkMetadataOffset(base, "L1 table");
        for (int i = l1Dirty.nextSetBit(0); i >= 0; ) {
            int end = l1Dirty.nextClearBit(i);
            ByteBuffer b = ByteBuffer.allocate((end - i) * 8);
            for (int j = i; j < end; j++) {
                b.putLong(l1[j]);
            }
            file.updateMetadata(Metadata.ACTIVE_L1, b.flip(), base + 8L * i);
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
        file.orderedSync();
        long cs = file.clusterSize();
        long bytes = (long) newSize * 8;
        if (bytes > Header.MAX_L1_BYTES) {
            throw new IOException(file.name() + ": the L1 table would exceed its maximum size");
        }
        long clusters = (bytes + cs - 1) / cs;
        long off = refcounts.allocate(clusters);
        long[] grown = Arrays.copyOf(l1, newSize);
        ByteBuffer b = ByteBuffer.allocate((int) bytes); // as qemu-img: the table, not the rest of its cluster
        b.asLongBuffer().put(grown);
        refcounts.flush();
        file.writeNewMetadata("new L1 table", b, off);
        file.orderedSync();
        long oldOff = file.header().l1TableOffset();
        long oldBytes = (long) file.header().l1Size() * 8;
        file.writeHeader(file.header().withL1Table(off, newSize));
        file.orderedSync();
        l1 = grown;
        file.overlaps().activeL2TablesAre(l1);
        if (oldBytes > 0) {
            for (long c = 0; c < (oldBytes + cs - 1) / cs; c++) {
                refcounts.add((oldOff >>> file.geometry().clusterBits) + c, -1);
            }
        }
    }

    /**
     * Shows the L1 table at {@code offset} (a snapshot's) instead of the active one, in memory only: the image is
     * read-only from now on, and what lies beyond the table's end reads as unallocated.
     */
    void show(long offset, int size) throws IOException {
        l1 = readL1(offset, size);
        l2.clear();
        l1Dirty.clear();
        file.overlaps().activeL2TablesAre(l1);
    }

    /** Replaces the active L1 table, on disk and in memory, with {@code table} of the same size (snapshot revert). */
    void replaceL1(long[] table) throws IOException {
        long offset = file.header().l1TableOffset();
        file.checkMetadataOffset(offset, "active L1 table");
        ByteBuffer b = ByteBuffer.allocate(table.length * 8);
        b.asLongBuffer().put(table);
        file.updateMetadata(Metadata.ACTIVE_L1, b, offset);
        file.storage().sync();
        l1 = table;
        l2.clear();
        l1Dirty.clear();
        file.overlaps().activeL2TablesAre(l1);
    }
}
