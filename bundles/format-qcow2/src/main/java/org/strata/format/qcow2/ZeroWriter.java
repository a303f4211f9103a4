package org.strata.format.qcow2;

import java.io.IOException;

import org.strata.api.Storage;

/**
 * Zeroing and the three discards as L2 metadata: zero flags (whole clusters) or zero bits (subclusters with
 * extended L2 entries), and unallocation. Ranges are aligned to the zero granularity (the end may be the image
 * end). Runs under the metadata lock, with no guest I/O in flight (the caller holds the exclusive I/O lock).
 */
final class ZeroWriter {

    private static final long ALL_ALLOC = 0xffffffffL;

    private final ImageFile file;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final Storage data;
    private final DataWriter writer;

    ZeroWriter(Qcow2Image image, DataWriter writer) {
        this.file = image.file();
        this.map = image.clusterMap();
        this.refcounts = image.refcounts();
        this.data = image.data();
        this.writer = writer;
    }

    /**
     * Makes the range read as zeroes. With {@code unmap} the clusters may be freed; without, allocated clusters
     * stay allocated. Returns false when the image cannot record zeroes (the caller writes zero data).
     */
    boolean zero(long offset, long length, boolean unmap) throws IOException {
        if (file.header().dataFileRaw()) {
            return false;
        }
        boolean backed = file.header().hasBackingFile();
        if (file.header().version() < 3) {
            if (unmap && !backed) {
                unallocate(offset, length, true);
                return true;
            }
            return false;
        }
        Geometry g = file.geometry();
        long end = offset + length;
        for (long c = g.clusterStart(offset); c < end; c += g.clusterSize) {
            if (!backed && map.l2Offset(c) == 0) {
                c = skipL2Table(c);
                continue;
            }
            long from = Math.max(c, offset);
            long to = Math.min(c + g.clusterSize, end);
            boolean whole = from == c && (to == c + g.clusterSize || to >= file.header().size());
            if (g.extendedL2) {
                zeroSubclusters(c, from, to, whole, unmap, backed);
            } else {
                zeroCluster(c, unmap, backed);
            }
        }
        return true;
    }

    /** The last cluster start covered by the L2 table of {@code c} (so the loop continues after it). */
    private long skipL2Table(long c) {
        Geometry g = file.geometry();
        long tableSpan = (long) g.l2Entries << g.clusterBits;
        return (c / tableSpan + 1) * tableSpan - g.clusterSize;
    }

    private void zeroCluster(long c, boolean unmap, boolean backed) throws IOException {
        ClusterMap.Slot slot = map.slot(c);
        long e = slot.entry();
        boolean df = file.header().hasDataFile();
        long target;
        boolean drop;
        if (!unmap && L2Entry.hasHostCluster(e, df) && owned(slot)) {
            target = L2Entry.offset(e) | L2Entry.COPIED | L2Entry.ZERO;
            drop = false;
        } else {
            target = unmap && !backed ? 0 : L2Entry.ZERO;
            drop = true;
        }
        if (target == e) {
            return;
        }
        long l2 = map.l2ForWrite(c);
        map.set(l2, slot.index(), target, 0);
        if (drop) {
            writer.release(slot);
        }
    }

    private boolean owned(ClusterMap.Slot slot) throws IOException {
        return file.header().hasDataFile() || (slot.entry() & L2Entry.COPIED) != 0
                || refcounts.get(L2Entry.offset(slot.entry()) >>> file.geometry().clusterBits) == 1;
    }

    private long mask(long c, long from, long to) {
        Geometry g = file.geometry();
        int a = (int) ((from - c) / g.subclusterSize);
        int b = (int) Math.min(g.subclusters, (to - c + g.subclusterSize - 1) / g.subclusterSize);
        return b - a >= 32 ? ALL_ALLOC : ((1L << (b - a)) - 1) << a;
    }

    private void zeroSubclusters(long c, long from, long to, boolean whole, boolean unmap, boolean backed)
            throws IOException {
        ClusterMap.Slot slot = map.slot(c);
        if (L2Entry.isCompressed(slot.entry())) {
            if (!whole) {
                writer.ensureDataMapping(c, file.geometry().clusterSize, false);
                slot = map.slot(c);
            }
        }
        long e = slot.entry();
        long bitmap = slot.bitmap();
        long m = mask(c, from, to);
        boolean df = file.header().hasDataFile();
        long newEntry = e;
        long newBitmap = (bitmap & ~m) | (m << 32);
        boolean drop = false;
        if (L2Entry.isCompressed(e)) {
            newEntry = 0;
            newBitmap = ALL_ALLOC << 32;
            drop = true;
        } else if (unmap && L2Entry.hasHostCluster(e, df) && (newBitmap & ALL_ALLOC) == 0) {
            newEntry = 0;
            drop = true;
        }
        if (unmap && !backed && newEntry == 0) {
            newBitmap = newBitmap & ~(m << 32);
        }
        if (newEntry == e && newBitmap == bitmap) {
            return;
        }
        long l2 = map.l2ForWrite(c);
        map.set(l2, slot.index(), newEntry, newBitmap);
        if (drop) {
            writer.release(slot);
        }
    }

    /**
     * Unallocates the range in this layer: it then reads from the backing file (zeroes without one). With
     * {@code exact} false (discardToAny) partial compressed clusters are left alone.
     */
    void unallocate(long offset, long length, boolean exact) throws IOException {
        if (file.header().dataFileRaw()) {
            // The data file must stay a consistent raw image, and it has no backing file: zeroes are exact.
            if (exact) {
                data.writeZeroes(offset, length, true);
            } else {
                data.discard(offset, length);
            }
            return;
        }
        Geometry g = file.geometry();
        long end = offset + length;
        for (long c = g.clusterStart(offset); c < end; c += g.clusterSize) {
            if (map.l2Offset(c) == 0) {
                c = skipL2Table(c);
                continue;
            }
            long from = Math.max(c, offset);
            long to = Math.min(c + g.clusterSize, end);
            boolean whole = from == c && (to == c + g.clusterSize || to >= file.header().size());
            ClusterMap.Slot slot = map.slot(c);
            long e = slot.entry();
            if (!g.extendedL2 || L2Entry.isCompressed(e)) {
                if (!whole) {
                    if (!exact || !L2Entry.isCompressed(e)) {
                        continue;
                    }
                    writer.ensureDataMapping(c, g.clusterSize, false);
                    unallocateSubclusters(c, from, to);
                    continue;
                }
                if (e != 0 || slot.bitmap() != 0) {
                    long l2 = map.l2ForWrite(c);
                    map.set(l2, slot.index(), 0, 0);
                    writer.release(slot);
                }
                continue;
            }
            unallocateSubclusters(c, from, to);
        }
    }

    private void unallocateSubclusters(long c, long from, long to) throws IOException {
        ClusterMap.Slot slot = map.slot(c);
        long e = slot.entry();
        long m = mask(c, from, to);
        long bitmap = slot.bitmap() & ~m & ~(m << 32);
        long newEntry = e;
        boolean drop = false;
        if (L2Entry.hasHostCluster(e, file.header().hasDataFile()) && (bitmap & ALL_ALLOC) == 0) {
            newEntry = 0;
            drop = true;
        }
        if (newEntry == e && bitmap == slot.bitmap()) {
            return;
        }
        long l2 = map.l2ForWrite(c);
        map.set(l2, slot.index(), newEntry, bitmap);
        if (drop) {
            writer.release(slot);
        }
    }
}
