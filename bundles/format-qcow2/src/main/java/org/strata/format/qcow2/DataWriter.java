package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * Allocation of guest clusters and subclusters for writing, with copy-on-write of the parts a write does not
 * cover (from the backing file, from zeroes, from compressed or snapshot-shared data), and compressed writes.
 * Runs under the image's allocation lock (or its exclusive metadata lock), held across the copy: two writers to one
 * cluster never race.
 */
final class DataWriter {

    private final Qcow2Image image;
    private final ImageFile file;
    private final Storage data;
    private final ClusterMap map;
    private final Refcounts refcounts;
    /** Where the next compressed cluster may be packed (byte offset), 0 when none. */
    private long compressedCursor;
    /** The refcounts' free epoch when the cursor was set: any free since may have released its cluster. */
    private long cursorEpoch;

    DataWriter(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
        this.data = image.data();
        this.map = image.clusterMap();
        this.refcounts = image.refcounts();
    }

    void forgetCompressedCursor() {
        compressedCursor = 0;
    }

    ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        Geometry g = file.geometry();
        long end = Math.min(offset + Math.max(1, length), file.header().size());
        ShallowMapping m = image.mappingLocked(offset, end - offset);
        if (m instanceof ShallowMapping.Raw r && r.writable()) {
            return r;
        }
        if (g.extendedL2) {
            return ensureSubclusters(offset, end, overwrite);
        }
        ClusterMap.Slot first = map.slot(offset);
        L2Entry.Kind kind = map.kindAt(first, offset);
        long host = L2Entry.offset(first.entry());
        boolean hasHost = L2Entry.hasHostCluster(first.entry(), file.header().hasDataFile());
        if (hasHost && (kind == L2Entry.Kind.NORMAL || kind == L2Entry.Kind.ZERO_ALLOC) && ownedAlone(first)) {
            // Our own cluster, only not marked COPIED, or a preallocated zero cluster: reuse it in place.
            long cStart = g.clusterStart(offset);
            long cEnd = cStart + g.clusterSize;
            if (kind == L2Entry.Kind.ZERO_ALLOC) {
                zeroFill(host, cStart, offset, Math.min(end, cEnd), cEnd, overwrite);
            }
            long l2 = map.l2ForWrite(offset);
            map.set(l2, first.index(), host | L2Entry.COPIED, 0);
            return new ShallowMapping.Raw(data, host + g.inCluster(offset), Math.min(end, cEnd) - offset, true);
        }
        return allocateRun(offset, end, overwrite);
    }

    /** Whether the cluster of this slot is referenced only once (so it may be written in place). */
    private boolean ownedAlone(ClusterMap.Slot slot) throws IOException {
        if ((slot.entry() & L2Entry.COPIED) != 0 || file.header().hasDataFile()) {
            return true;
        }
        return refcounts.get(L2Entry.offset(slot.entry()) >>> file.geometry().clusterBits) == 1;
    }

    /** Allocates new host clusters for a run of guest clusters starting at {@code offset}. */
    private ShallowMapping.Raw allocateRun(long offset, long end, boolean overwrite) throws IOException {
        Geometry g = file.geometry();
        long cStart = g.clusterStart(offset);
        // The run: clusters of one L2 table that all need a new host cluster, up to the end of the request.
        int n = 1;
        long l2End = cStart + ((long) (g.l2Entries - g.l2Index(cStart)) << g.clusterBits);
        while (cStart + ((long) n << g.clusterBits) < Math.min(end, l2End) && n < 4096) {
            long next = cStart + ((long) n << g.clusterBits);
            ClusterMap.Slot sl = map.slot(next);
            L2Entry.Kind k = map.kindAt(sl, next);
            if (k != L2Entry.Kind.UNALLOCATED && k != L2Entry.Kind.ZERO_PLAIN) {
                break;
            }
            n++;
        }
        long runEnd = cStart + ((long) n << g.clusterBits);
        long host;
        long fileSizeBefore = file.storage().size();
        if (file.header().hasDataFile()) {
            host = cStart;
        } else {
            host = refcounts.allocate(n);
            file.requireNoOverlap(host, (long) n << g.clusterBits, "new data cluster");
        }
        // Copy what the write does not cover, before any L2 entry points to the new clusters.
        long writeEnd = Math.min(end, runEnd);
        boolean fresh = !file.header().hasDataFile() && host >= fileSizeBefore;
        try {
            if (fresh && data.reqAlign() > 1 && (offset > cStart || writeEnd < runEnd)) {
                // With O_DIRECT, writes that extend the file run one at a time (and update its size each):
                // allocate the whole run at once, so the partial writes into it that follow run in parallel.
                data.writeZeroes(host, runEnd - cStart, false);
            }
            if (overwrite) {
                copyOnWrite(cStart, offset, host, fresh);
                copyOnWrite(writeEnd, runEnd, host + (writeEnd - cStart), fresh);
            } else {
                if (fresh) {
                    reachFreshClusters(host, runEnd - cStart);
                }
                copyOnWrite(cStart, runEnd, host, fresh);
            }
        } catch (IOException | RuntimeException e) {
            unallocate(host, n);
            throw e;
        }
        long l2 = map.l2ForWrite(offset);
        for (int i = 0; i < n; i++) {
            long guest = cStart + ((long) i << g.clusterBits);
            ClusterMap.Slot old = map.slot(guest);
            map.set(l2, old.index(), (host + ((long) i << g.clusterBits)) | L2Entry.COPIED, 0);
            release(old);
        }
        return new ShallowMapping.Raw(data, host + (offset - cStart), writeEnd - offset, true);
    }

    /**
     * Makes the file reach fresh clusters past its old end that no write of the caller's follows: copying what
     * reads as zeroes writes nothing there, and a cluster wholly past the end of the file is a corruption to
     * qemu-img check.
     */
    private void reachFreshClusters(long host, long length) throws IOException {
        data.writeZeroes(host, length, false);
    }

    /** Gives back clusters allocated for a write that failed before anything referenced them. */
    private void unallocate(long host, long n) throws IOException {
        if (!file.header().hasDataFile()) {
            for (long c = 0; c < n; c++) {
                refcounts.add((host >>> file.geometry().clusterBits) + c, -1);
            }
        }
    }

    /** Drops this layer's reference to the host data an old entry pointed to (applied at the next flush). */
    void release(ClusterMap.Slot old) {
        long e = old.entry();
        int bits = file.geometry().clusterBits;
        if (L2Entry.isCompressed(e)) {
            refcounts.freeLater(L2Entry.compressedOffset(e, bits), L2Entry.compressedLength(e, bits));
        } else if (L2Entry.offset(e) != 0 && !file.header().hasDataFile()) {
            refcounts.freeLater(L2Entry.offset(e), file.clusterSize());
        }
    }

    /**
     * Copies what this layer shows in guest range {@code [from, to)} to host offset {@code host}. A fresh cluster
     * past the old end of the file needs no zeroes written.
     */
    private void copyOnWrite(long from, long to, long host, boolean fresh) throws IOException {
        if (to <= from) {
            return;
        }
        if (readsAsZero(from, to)) {
            // The common case without a backing file: nothing to read. A fresh cluster past the old end of the
            // file reads as zeroes already; a reused one is zeroed without moving zero bytes.
            if (!fresh) {
                file.copiedDataWritten(data);
                data.writeZeroes(host, to - from, false);
            }
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) (to - from));
        image.readLayer(buf, from);
        buf.flip();
        if (fresh && isZero(buf.array())) {
            return;
        }
        file.copiedDataWritten(data);
        data.write(buf, host);
    }

    /** Whether this layer shows zeroes in all of {@code [from, to)} by its mappings alone (no data read). */
    private boolean readsAsZero(long from, long to) throws IOException {
        long pos = from;
        while (pos < to) {
            if (pos >= file.header().size()) {
                return true;
            }
            ShallowMapping m = image.mappingLocked(pos, to - pos);
            // (an unopened backing file is not zeroes: readLayer refuses to copy from it)
            if (!(m instanceof ShallowMapping.Zero z) || !z.explicit() && file.header().hasBackingFile()) {
                return false;
            }
            pos += m.length();
        }
        return true;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Writes zeroes over the parts of a reused zero cluster that the write does not cover. */
    private void zeroFill(long host, long cStart, long wStart, long wEnd, long cEnd, boolean overwrite)
            throws IOException {
        file.copiedDataWritten(data);
        if (!overwrite) {
            data.writeZeroes(host, cEnd - cStart, false);
            return;
        }
        if (wStart > cStart) {
            data.writeZeroes(host, wStart - cStart, false);
        }
        if (cEnd > wEnd) {
            data.writeZeroes(host + (wEnd - cStart), cEnd - wEnd, false);
        }
    }

    /** Extended L2 entries: allocates the subclusters of one cluster that the write touches. */
    private ShallowMapping.Raw ensureSubclusters(long offset, long end, boolean overwrite) throws IOException {
        Geometry g = file.geometry();
        long cStart = g.clusterStart(offset);
        long wEnd = Math.min(end, cStart + g.clusterSize);
        ClusterMap.Slot slot = map.slot(offset);
        long entry = slot.entry();
        long bitmap = slot.bitmap();
        boolean df = file.header().hasDataFile();
        boolean hasHost = L2Entry.hasHostCluster(entry, df);
        boolean compressed = L2Entry.isCompressed(entry);
        long fileSizeBefore = file.storage().size();
        long host = L2Entry.offset(entry);
        if (compressed || !hasHost || !ownedAlone(slot)) {
            host = df ? cStart : refcounts.allocate(1);
            if (!df) {
                file.requireNoOverlap(host, g.clusterSize, "new data cluster");
            }
            boolean fresh = !df && host >= fileSizeBefore;
            try {
                if (fresh && !overwrite) {
                    reachFreshClusters(host, g.clusterSize);
                }
                if (compressed) {
                    // A compressed cluster becomes a normal one: all its subclusters hold data.
                    copyOnWrite(cStart, cStart + g.clusterSize, host, fresh);
                    bitmap = 0xffffffffL;
                } else if (hasHost) {
                    for (int sc = 0; sc < g.subclusters; sc++) {
                        if ((bitmap & (1L << sc)) != 0) {
                            long a = cStart + sc * g.subclusterSize;
                            copyOnWrite(a, a + g.subclusterSize, host + sc * g.subclusterSize, fresh);
                        }
                    }
                }
                bitmap = copySubclusterEdges(cStart, offset, wEnd, host, bitmap, overwrite, fresh);
            } catch (IOException | RuntimeException ex) {
                unallocate(host, 1);
                throw ex;
            }
            if (hasHost || compressed) {
                release(slot);
            }
        } else {
            bitmap = copySubclusterEdges(cStart, offset, wEnd, host, bitmap, overwrite, false);
        }
        long l2 = map.l2ForWrite(offset);
        map.set(l2, slot.index(), host | L2Entry.COPIED, bitmap);
        return new ShallowMapping.Raw(data, host + (offset - cStart), wEnd - offset, true);
    }

    /**
     * Allocates the subclusters of {@code [offset, wEnd)} in the host cluster at {@code host}, copying the parts of
     * them the write does not cover (all of them without {@code overwrite}); returns the new bitmap.
     */
    private long copySubclusterEdges(long cStart, long offset, long wEnd, long host, long bitmap, boolean overwrite,
                                     boolean fresh) throws IOException {
        Geometry g = file.geometry();
        int scFirst = g.subclusterIndex(offset);
        int scLast = g.subclusterIndex(wEnd - 1);
        for (int sc = scFirst; sc <= scLast; sc++) {
            if ((bitmap & (1L << sc)) != 0) {
                continue;
            }
            long a = cStart + sc * g.subclusterSize;
            long b = a + g.subclusterSize;
            long h = host + sc * g.subclusterSize;
            if (overwrite) {
                copyOnWrite(a, Math.max(a, Math.min(offset, b)), h, fresh);
                long tail = Math.max(a, Math.min(wEnd, b));
                copyOnWrite(tail, b, h + (tail - a), fresh);
            } else {
                copyOnWrite(a, b, h, fresh);
            }
            bitmap = (bitmap | (1L << sc)) & ~(1L << (32 + sc));
        }
        return bitmap;
    }

    /**
     * One cluster of guest data and its compressed form (null when it does not shrink): made by
     * {@link #compress} without the image's lock, placed by {@link #writeCompressed} under it.
     */
    record CompressedCluster(byte[] cluster, byte[] packed) {
    }

    /** Compresses one cluster ({@code convert -c}); touches no state of the image, so any thread may call it. */
    CompressedCluster compress(ByteBuffer buffer) throws IOException {
        byte[] cluster = new byte[(int) file.geometry().clusterSize];
        buffer.get(cluster, 0, Math.min(buffer.remaining(), cluster.length));
        return new CompressedCluster(cluster, image.compression().compress(file.header().compressionType(), cluster));
    }

    /** Writes one compressed cluster at {@code offset}; data that did not shrink is written normally. */
    void writeCompressed(CompressedCluster compressed, long offset) throws IOException {
        Geometry g = file.geometry();
        if (file.header().hasDataFile()) {
            throw new UnsupportedFeatureException(file.name()
                    + ": compression is not supported with an external data file");
        }
        if (g.inCluster(offset) != 0) {
            throw new IllegalArgumentException("compressed writes must start at a cluster boundary: " + offset);
        }
        ClusterMap.Slot slot = map.slot(offset);
        long e = slot.entry();
        boolean holdsData = g.extendedL2 ? !L2Entry.isCompressed(e) && (slot.bitmap() & 0xffffffffL) != 0
                : L2Entry.kind(e, false) == L2Entry.Kind.NORMAL;
        if (holdsData) {
            throw new UnsupportedFeatureException(file.name() + ": cannot write compressed data over allocated cluster "
                    + "at offset " + offset);
        }
        byte[] cluster = compressed.cluster();
        byte[] packed = compressed.packed();
        if (packed == null) {
            long length = Math.min(g.clusterSize, file.header().size() - offset);
            ShallowMapping.Raw raw = ensureDataMapping(offset, length, true);
            data.write(ByteBuffer.wrap(cluster, 0, (int) raw.length()), raw.offset());
            return;
        }
        long host = allocateBytes(packed.length);
        file.requireNoOverlap(host, packed.length, "compressed data");
        file.storage().write(ByteBuffer.wrap(packed), host);
        long l2 = map.l2ForWrite(offset);
        map.set(l2, slot.index(), L2Entry.compressedEntry(host, packed.length, g.clusterBits), 0);
        release(slot);
    }

    /**
     * Space for compressed data: packed after the previous compressed cluster when it fits in the same host
     * cluster (whose refcount then counts one more user), else in newly allocated clusters.
     */
    private long allocateBytes(int length) throws IOException {
        long cs = file.clusterSize();
        long cur = compressedCursor;
        if (cur != 0 && cursorEpoch == refcounts.freeEpoch() && (cur & (cs - 1)) != 0
                && (cur & (cs - 1)) + length <= cs) {
            refcounts.add(cur >>> file.geometry().clusterBits, 1);
        } else {
            cur = refcounts.allocate((length + cs - 1) / cs);
        }
        compressedCursor = cur + length;
        cursorEpoch = refcounts.freeEpoch();
        return cur;
    }
}
