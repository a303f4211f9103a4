package org.strata.format.qcow2;

import java.io.IOException;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * What the parts of one open qcow2 image share: its file, its data file, the header, the geometry, and the
 * corruption and dirty-bit handling. Everything here is guarded by the image's metadata lock.
 */
final class ImageState {

    final Storage file;
    /** Where guest data lives: the image file itself or the external data file. */
    Storage data;
    final Header header;
    Geometry geometry;
    final boolean writable;
    final String name;
    /** Set once the image was found corrupt: nothing is written any more. */
    volatile boolean corrupt;
    /** The dirty bit is set on disk (lazy refcounts in use). */
    boolean dirtyOnDisk;
    /** Copy-on-write data was written since the last {@link #orderedSync}: the L2 entries that use it must wait. */
    boolean copiesUnsynced;

    ImageState(Storage file, Header header, boolean writable) {
        this.file = file;
        this.data = file;
        this.header = header;
        this.geometry = Geometry.of(header);
        this.writable = writable;
        this.name = file.location();
        this.corrupt = header.has(Header.INCOMPAT_CORRUPT);
    }

    boolean hasDataFile() {
        return header.has(Header.INCOMPAT_DATA_FILE);
    }

    boolean dataFileRaw() {
        return (header.autoclear & Header.AUTOCLEAR_DATA_FILE_RAW) != 0;
    }

    boolean lazyRefcounts() {
        return (header.compatible & Header.COMPAT_LAZY_REFCOUNTS) != 0;
    }

    long clusterSize() {
        return geometry.clusterSize;
    }

    void writeHeader() throws IOException {
        header.write(file);
    }

    /**
     * A barrier between writes that must reach the disk in order: what a table, entry or header field points to
     * (a new table, copied data) before the pointer; refcounts before the L2 entries that use them.
     */
    void orderedSync() throws IOException {
        if (copiesUnsynced && data != file) {
            data.sync();
        }
        copiesUnsynced = false;
        file.sync();
    }

    /**
     * The barrier before L2 entries are written, and before freed clusters count as free: refcounts and L2 entries
     * in order, and copied data (copy-on-write) before the entries that use it. While the dirty bit is set only the
     * copied data needs it: the refcounts are rebuilt on the next open anyway (lazy refcounts).
     */
    void refcountSync() throws IOException {
        if (!dirtyOnDisk || copiesUnsynced) {
            orderedSync();
        }
    }

    /**
     * Records that the metadata is inconsistent: marks the image corrupt on disk (when writable) so nobody writes
     * it again before a check, and returns the exception to throw.
     */
    ImageFormatException corruption(String problem) {
        if (writable && !corrupt && header.version >= 3) {
            try {
                header.incompatible |= Header.INCOMPAT_CORRUPT;
                writeHeader();
                file.sync();
            } catch (IOException e) {
                // the original problem is what matters
            }
        }
        corrupt = true;
        return new ImageFormatException(name + ": image is corrupt: " + problem
                + "; further writes are refused (run image:check -r all)");
    }

    /** Before metadata is read or written at {@code offset}: it must be a sane cluster of this file. */
    void checkMetadataOffset(long offset, String what) throws IOException {
        if (offset <= 0 || (offset & (clusterSize() - 1)) != 0 || offset > L2Entry.OFFSET_MASK) {
            throw corruption(what + " offset " + offset + " is invalid");
        }
    }

    /** Snapshot table and snapshot L1 tables: offset, length pairs (kept by the snapshot code). */
    long[] snapshotRanges = new long[0];

    /**
     * The overlap check before metadata or data is written at {@code [offset, offset+length)} of the image file:
     * it must not hit the header, the active L1 table, the refcount table or the snapshot tables.
     */
    void checkOverlap(long offset, long length, String what) throws IOException {
        checkOverlap(offset, length, what, null);
    }

    /** Active L2 tables and refcount blocks, for the overlap check (kept by ClusterMap and Refcounts). */
    final java.util.Set<Long> activeL2Tables = new java.util.HashSet<>();
    final java.util.Set<Long> refcountBlocks = new java.util.HashSet<>();

    /** As {@link #checkOverlap(long, long, String)}, but {@code own} (a set the written table belongs to) is skipped. */
    void checkOverlap(long offset, long length, String what, java.util.Set<Long> own) throws IOException {
        checkFixedOverlap(offset, length, what);
        long cs = clusterSize();
        for (long c = offset & ~(cs - 1); c < offset + length; c += cs) {
            if (own != activeL2Tables && activeL2Tables.contains(c)) {
                throw corruption(what + " at " + offset + " would overwrite an active L2 table");
            }
            if (own != refcountBlocks && refcountBlocks.contains(c)) {
                throw corruption(what + " at " + offset + " would overwrite a refcount block");
            }
        }
    }

    /** Whether {@link #checkOverlap(long, long, String)} would find an overlap; changes nothing. */
    boolean overlapsMetadata(long offset, long length) {
        Header h = header;
        if (offset < clusterSize() || overlaps(offset, length, h.l1TableOffset, (long) h.l1Size * 8)
                || overlaps(offset, length, h.refcountTableOffset, (long) h.refcountTableClusters * clusterSize())) {
            return true;
        }
        long[] r = snapshotRanges;
        for (int i = 0; i + 1 < r.length; i += 2) {
            if (overlaps(offset, length, r[i], r[i + 1])) {
                return true;
            }
        }
        long cs = clusterSize();
        for (long c = offset & ~(cs - 1); c < offset + length; c += cs) {
            if (activeL2Tables.contains(c) || refcountBlocks.contains(c)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code [offset, offset+length)} hits the header, the active L1, the refcount or snapshot tables. */
    void checkFixedOverlap(long offset, long length, String what) throws IOException {
        Header h = header;
        if (offset < clusterSize()) {
            throw corruption(what + " at " + offset + " would overwrite the header");
        }
        if (overlaps(offset, length, h.l1TableOffset, (long) h.l1Size * 8)) {
            throw corruption(what + " at " + offset + " would overwrite the active L1 table");
        }
        if (overlaps(offset, length, h.refcountTableOffset, (long) h.refcountTableClusters * clusterSize())) {
            throw corruption(what + " at " + offset + " would overwrite the refcount table");
        }
        long[] r = snapshotRanges;
        for (int i = 0; i + 1 < r.length; i += 2) {
            if (overlaps(offset, length, r[i], r[i + 1])) {
                throw corruption(what + " at " + offset + " would overwrite a snapshot table");
            }
        }
    }

    static boolean overlaps(long a, long alen, long b, long blen) {
        return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
    }
}
