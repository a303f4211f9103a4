package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Host cluster allocation and reference counts (docs/interop/qcow2.rst, "Host cluster management"): the refcount
 * table in memory, refcount blocks in a write-back {@link TableCache}, a first-fit allocator, and frees that are
 * applied only after the L2 entries that dropped the clusters have reached the disk.
 *
 * <p>One caller at a time: under the image's exclusive metadata lock or its allocation lock.
 */
final class Refcounts {

    private final ImageFile file;
    private Geometry geometry;
    private long[] table;
    private final TableCache blocks;
    /** Where the search for free clusters starts. */
    private long freeHint;
    /**
     * One past the last cluster in use: everything from here on is free. Found from the refcounts when first
     * needed (-1 until then), then kept up to date. Not the end of the file: a block device is larger than the
     * image on it.
     */
    private long imageEnd = -1;
    /** Clusters whose reference is already dropped in memory, decremented at the next flush. */
    private long[] pendingFrees = new long[64];
    private int pendingCount;
    /** Counts the times a cluster became free: whoever remembers a cluster as in use checks it did not change. */
    private long freeEpoch;

    Refcounts(ImageFile file, long cacheBudget) {
        this.file = file;
        this.geometry = file.geometry();
        this.blocks = new TableCache(file.storage(), (int) geometry.clusterSize, cacheBudget, "refcount block");
        blocks.setGuard((off, what) -> {
            file.checkMetadataOffset(off, what);
            file.requireNoOverlap(off, geometry.clusterSize, what, Metadata.REFCOUNT_BLOCK);
        });
    }

    /** Reads the refcount table the header names (again: also after the structure was rebuilt or widened). */
    void load() throws IOException {
        Header h = file.header();
        geometry = file.geometry();
        int entries = (int) ((long) h.refcountTableClusters() * geometry.clusterSize / 8);
        ByteBuffer b = ByteBuffer.allocate(entries * 8);
        file.storage().read(b, h.refcountTableOffset());
        b.flip();
        table = new long[entries];
        b.asLongBuffer().get(table);
        file.overlaps().refcountBlocksAre(table);
        freeHint = 0;
        imageEnd = -1;
        blocks.clear();
        pendingCount = 0;
    }

    TableCache cache() {
        return blocks;
    }

    long[] table() {
        return table;
    }

    int tableSize() {
        return table.length;
    }

    // ------------------------------------------------------------------ reading entries

    long get(long cluster) throws IOException {
        long idx = cluster >>> geometry.refblockBits;
        if (idx >= table.length || blockOffset((int) idx) == 0) {
            return 0;
        }
        byte[] block = blocks.get(blockOffset((int) idx));
        return entry(block, (int) (cluster & (geometry.refblockEntries - 1)));
    }

    private long blockOffset(int idx) throws IOException {
        long e = table[idx];
        if (e == 0) {
            return 0;
        }
        long off = e & L2Entry.OFFSET_MASK;
        if ((e & ~L2Entry.OFFSET_MASK) != 0 || (off & (geometry.clusterSize - 1)) != 0) {
            throw file.corruption("refcount table entry " + idx + " is invalid (0x" + Long.toHexString(e) + ")");
        }
        if (!blocks.contains(off) && off >= file.storage().size()) {
            throw file.corruption("refcount block " + idx + " lies beyond the end of the file");
        }
        return off;
    }

    long entry(byte[] block, int i) {
        return RefcountWidth.get(geometry, block, i);
    }

    void setEntry(byte[] block, int i, long v) {
        RefcountWidth.set(geometry, block, i, v);
    }

    // ------------------------------------------------------------------ changing refcounts

    /** Adds {@code delta} to the refcount of {@code cluster}, creating its refcount block when needed. */
    void add(long cluster, long delta) throws IOException {
        long idx = cluster >>> geometry.refblockBits;
        while (isMissing(idx)) {
            if (delta < 0) {
                throw file.corruption("cluster " + cluster + " has no refcount to decrease");
            }
            ensureBlocks(idx, idx, cluster + 1);
        }
        long off = blockOffset((int) idx);
        byte[] block = blocks.get(off);
        int i = (int) (cluster & (geometry.refblockEntries - 1));
        long old = entry(block, i);
        long v = old + delta;
        if (v < 0 || (delta < 0 && v > old)) {
            throw file.corruption("refcount of cluster " + cluster + " would drop below zero");
        }
        if (v > geometry.maxRefcount() || (delta > 0 && v < old)) {
            throw new org.strata.api.ImageFormatException(file.name() + ": refcount of cluster " + cluster
                    + " would exceed its maximum of " + geometry.maxRefcount() + " (refcount_bits="
                    + geometry.refcountBits + ")");
        }
        setEntry(block, i, v);
        blocks.markDirty(off);
        if (v == 0) {
            freeEpoch++;
            freeHint = Math.min(freeHint, cluster);
        }
    }

    /** Drops one reference to each cluster touched by {@code [offset, offset+length)}, at the next flush. */
    void freeLater(long offset, long length) {
        long first = offset >>> geometry.clusterBits;
        long last = (offset + length - 1) >>> geometry.clusterBits;
        for (long c = first; c <= last; c++) {
            if (pendingCount == pendingFrees.length) {
                pendingFrees = Arrays.copyOf(pendingFrees, pendingCount * 2);
            }
            pendingFrees[pendingCount++] = c;
        }
    }

    int pendingFrees() {
        return pendingCount;
    }

    long freeEpoch() {
        return freeEpoch;
    }

    /** Applies the deferred frees; the L2 tables that dropped the references are on disk by now. */
    void applyPendingFrees() throws IOException {
        int n = pendingCount;
        pendingCount = 0;
        for (int i = 0; i < n; i++) {
            add(pendingFrees[i], -1);
        }
        if (pendingFrees.length > 4096) {
            pendingFrees = new long[64];
        }
    }

    void flush() throws IOException {
        blocks.flush();
    }

    // ------------------------------------------------------------------ allocation

    /** Allocates {@code n} contiguous free clusters with refcount 1; returns the host offset of the first. */
    long allocate(long n) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            long start = findFree(n);
            long firstIdx = start >>> geometry.refblockBits;
            long lastIdx = (start + n - 1) >>> geometry.refblockBits;
            if (anyMissing(firstIdx, lastIdx)) {
                // the blocks go after the run, which stays free: the next search finds it again, covered
                ensureBlocks(firstIdx, lastIdx, start + n);
                continue;
            }
            checkRoom(start + n);
            for (long c = start; c < start + n; c++) {
                add(c, 1);
            }
            if (freeHint == start) {
                freeHint = start + n;
            }
            extendImage(start + n);
            return start << geometry.clusterBits;
        }
        throw new IOException(file.name() + ": could not allocate " + n + " clusters");
    }

    private boolean isMissing(long idx) throws IOException {
        return idx >= table.length || blockOffset((int) idx) == 0;
    }

    private boolean anyMissing(long firstIdx, long lastIdx) throws IOException {
        for (long i = firstIdx; i <= lastIdx; i++) {
            if (isMissing(i)) {
                return true;
            }
        }
        return false;
    }

    private long findFree(long n) throws IOException {
        long c = freeHint;
        long runStart = c;
        long run = 0;
        long firstFree = -1;
        while (run < n) {
            long idx = c >>> geometry.refblockBits;
            if (idx >= table.length || blockOffset((int) idx) == 0) {
                long blockEnd = (idx + 1) << geometry.refblockBits;
                if (run == 0) {
                    runStart = c;
                }
                if (firstFree < 0) {
                    firstFree = c;
                }
                run += blockEnd - c;
                c = blockEnd;
                continue;
            }
            byte[] block = blocks.get(blockOffset((int) idx));
            int i = (int) (c & (geometry.refblockEntries - 1));
            for (; i < geometry.refblockEntries && run < n; i++, c++) {
                if (entry(block, i) == 0) {
                    if (run == 0) {
                        runStart = c;
                    }
                    if (firstFree < 0) {
                        firstFree = c;
                    }
                    run++;
                } else {
                    run = 0;
                }
            }
        }
        // Everything before the first free cluster is in use; the run itself stays free until it is allocated
        // (the caller may have to create refcount blocks for it first and search again).
        freeHint = firstFree;
        return runStart;
    }

    /**
     * Creates the missing refcount blocks of ranges {@code firstIdx..lastIdx}. They are placed beyond everything
     * allocated and beyond cluster {@code after}, never inside a range about to be allocated (a block placed in
     * its own range would break every run of free clusters as long as a refcount block covers); the ranges the
     * new blocks land in get blocks too, until nothing is missing. Grows the refcount table instead when it is
     * too small (the caller asks again).
     */
    private void ensureBlocks(long firstIdx, long lastIdx, long after) throws IOException {
        long place = Math.max(imageEnd(), after);
        java.util.TreeSet<Long> missing = new java.util.TreeSet<>();
        int settled = -1;
        while (missing.size() != settled) {
            settled = missing.size();
            for (long i = firstIdx; i <= lastIdx; i++) {
                if (isMissing(i)) {
                    missing.add(i);
                }
            }
            long lastPlaced = place + Math.max(missing.size(), 1) - 1;
            for (long i = place >>> geometry.refblockBits; i <= lastPlaced >>> geometry.refblockBits; i++) {
                if (isMissing(i)) {
                    missing.add(i);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        if (missing.last() >= table.length) {
            growTable(missing.last());
            return;
        }
        checkRoom(place + missing.size());
        long cs = geometry.clusterSize;
        java.util.Map<Long, byte[]> created = new java.util.LinkedHashMap<>();
        for (long idx : missing) {
            created.put(idx, new byte[(int) cs]);
        }
        long pos = place;
        java.util.Map<Long, Long> where = new java.util.LinkedHashMap<>();
        for (long idx : missing) {
            where.put(idx, pos++);
        }
        for (long p : where.values()) {
            long r = p >>> geometry.refblockBits;
            byte[] own = created.get(r);
            if (own != null) {
                setEntry(own, (int) (p & (geometry.refblockEntries - 1)), 1);
            } else {
                add(p, 1);
            }
        }
        for (var e : where.entrySet()) {
            file.writeNewMetadata("new refcount block", ByteBuffer.wrap(created.get(e.getKey())), e.getValue() * cs);
        }
        blocks.flush();
        file.orderedSync(); // the blocks are on disk before the table points at them
        for (var e : where.entrySet()) {
            int idx = (int) (long) e.getKey();
            table[idx] = e.getValue() * cs;
            file.overlaps().refcountBlockAdded(table[idx]);
            writeTableEntry(idx);
        }
        extendImage(pos);
    }

    private void writeTableEntry(int idx) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).putLong(0, table[idx]);
        file.updateMetadata(Metadata.REFCOUNT_TABLE, b, file.header().refcountTableOffset() + 8L * idx);
    }

    /**
     * Moves the refcount table to a larger one at the end of the file, together with the refcount blocks that
     * the new area itself needs, then switches the header over and frees the old table.
     */
    private void growTable(long needIdx) throws IOException {
        long cs = geometry.clusterSize;
        long start = imageEnd();
        long newEntries = Math.max(needIdx + 1, table.length + table.length / 2 + 1);
        long tableClusters;
        long nb;
        long firstIdx;
        long lastIdx;
        while (true) {
            tableClusters = (newEntries * 8 + cs - 1) / cs;
            nb = 0;
            while (true) {
                long k = tableClusters + nb;
                firstIdx = start >>> geometry.refblockBits;
                lastIdx = (start + k - 1) >>> geometry.refblockBits;
                long missing = 0;
                for (long i = firstIdx; i <= lastIdx; i++) {
                    if (i >= table.length || table[(int) i] == 0) {
                        missing++;
                    }
                }
                if (missing == nb) {
                    break;
                }
                nb = missing;
            }
            if (lastIdx + 1 <= newEntries) {
                break;
            }
            newEntries = lastIdx + 1;
        }
        if (tableClusters * cs > Header.MAX_REFTABLE_BYTES) {
            throw new IOException(file.name() + ": the refcount table would exceed its maximum size");
        }
        long areaEnd = start + nb + tableClusters;
        checkRoom(areaEnd);
        long[] newTable = Arrays.copyOf(table, (int) (tableClusters * cs / 8));
        long next = start;
        for (long i = firstIdx; i <= lastIdx; i++) {
            if (i < table.length && table[(int) i] != 0) {
                continue;
            }
            long blockCluster = next++;
            byte[] block = new byte[(int) cs];
            long base = i << geometry.refblockBits;
            for (long c = Math.max(start, base); c < Math.min(areaEnd, base + geometry.refblockEntries); c++) {
                setEntry(block, (int) (c - base), 1);
            }
            file.writeNewMetadata("new refcount block", ByteBuffer.wrap(block), blockCluster * cs);
            newTable[(int) i] = blockCluster * cs;
        }
        // Area clusters covered by blocks that exist already get their refcount there.
        for (long c = start; c < areaEnd; c++) {
            long i = c >>> geometry.refblockBits;
            if (i < table.length && table[(int) i] != 0) {
                add(c, 1);
            }
        }
        blocks.flush();
        long tableOffset = (start + nb) * cs;
        ByteBuffer tb = ByteBuffer.allocate((int) (tableClusters * cs));
        tb.asLongBuffer().put(newTable);
        file.writeNewMetadata("new refcount table", tb, tableOffset);
        file.orderedSync();
        long oldOffset = file.header().refcountTableOffset();
        int oldClusters = file.header().refcountTableClusters();
        file.writeHeader(file.header().withRefcountTable(tableOffset, (int) tableClusters));
        file.orderedSync();
        table = newTable;
        file.overlaps().refcountBlocksAre(table);
        extendImage(areaEnd);
        for (long c = 0; c < oldClusters; c++) {
            add((oldOffset >>> geometry.clusterBits) + c, -1);
        }
    }

    /**
     * QEMU's guess whether the image was created with preallocated metadata: the clusters in use (of the file's
     * {@code fileClusters}) outnumber its {@code allocatedClusters} by more than a ninth and by at least two.
     */
    boolean inUseExceeds(long allocatedClusters, long fileClusters) throws IOException {
        long threshold = Math.max(allocatedClusters * 10 / 9, allocatedClusters + 2);
        long inUse = 0;
        for (long c = 0; c < fileClusters && inUse < threshold; c++) {
            if (get(c) != 0) {
                inUse++;
            }
        }
        return inUse >= threshold;
    }

    /** The highest cluster index with a nonzero refcount, or -1. */
    long lastUsedCluster() throws IOException {
        for (int idx = table.length - 1; idx >= 0; idx--) {
            long off = blockOffset(idx);
            if (off == 0) {
                continue;
            }
            byte[] block = blocks.get(off);
            for (int i = (int) geometry.refblockEntries - 1; i >= 0; i--) {
                if (entry(block, i) != 0) {
                    return ((long) idx << geometry.refblockBits) + i;
                }
            }
        }
        return -1;
    }

    /** After a shrink freed everything past it: nothing from cluster {@code clusters} on is in use. */
    void truncatedTo(long clusters) {
        imageEnd = clusters;
        freeHint = Math.min(freeHint, clusters);
    }

    /** One past the last cluster in use. */
    long imageEnd() throws IOException {
        if (imageEnd < 0) {
            imageEnd = lastUsedCluster() + 1;
        }
        return imageEnd;
    }

    private void extendImage(long end) throws IOException {
        imageEnd = Math.max(imageEnd(), end);
    }

    /** Refuses clusters up to {@code end} where qcow2 cannot address them or a device of fixed size lacks room. */
    private void checkRoom(long end) throws IOException {
        if (end - 1 > (L2Entry.OFFSET_MASK >>> geometry.clusterBits)) {
            throw new IOException(file.name() + ": image file would grow beyond the largest qcow2 offset");
        }
        FixedSize.checkFits(file.storage(), end << geometry.clusterBits);
    }
}
