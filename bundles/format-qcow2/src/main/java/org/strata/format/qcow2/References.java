package org.strata.format.qcow2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.Preallocation;

/**
 * Counts, for every host cluster of the image file, how many references the metadata makes to it (header, L1 and
 * L2 tables of the active state and of every snapshot, data and compressed clusters, snapshot table, bitmaps),
 * as qemu-img check does. Collects the problems it meets and the fragmentation figures of the active state.
 */
final class References {

    private final ImageFile file;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final SnapshotTable snapshots;
    private final Geometry geometry;
    long fileClusters;
    int[] refs;
    final List<String> messages = new ArrayList<>();
    long corruptions;
    long corruptionsFixed;
    /** Whether only a new refcount structure mends what was found wrong with the old one. */
    boolean rebuildNeeded;
    long checkErrors;
    long allocatedClusters;
    long fragmentedClusters;
    long compressedClusters;
    private long nextContiguous;

    References(Qcow2Image image) throws IOException {
        this.file = image.file();
        this.map = image.clusterMap();
        this.refcounts = image.refcounts();
        this.snapshots = image.snapshotTable();
        this.geometry = file.geometry();
        this.refs = new int[1];
        coverFile();
    }

    /** Counts for every cluster of the file as it is now (after it grew, for one more). */
    private void coverFile() throws IOException {
        long clusters = geometry.clustersFor(file.storage().size());
        if (clusters > Integer.MAX_VALUE - 16) {
            throw new IOException(file.name() + ": image file too large to check");
        }
        fileClusters = clusters;
        refs = java.util.Arrays.copyOf(refs, (int) Math.max(refs.length, clusters));
    }

    /** The bits of a refcount table entry below any cluster offset, reserved. */
    private static final long RESERVED_REFTABLE_BITS = 0x1ff;

    /** At most this many problem lines are kept (the counters count them all): hostile images find millions. */
    static final int MAX_MESSAGES = 10_000;

    void corruption(String message) {
        corruptions++;
        note(messages, message);
    }

    static void note(List<String> messages, String message) {
        if (messages.size() < MAX_MESSAGES) {
            messages.add(message);
        } else if (messages.size() == MAX_MESSAGES) {
            messages.add("(further problems are counted, not listed)");
        }
    }

    /** One more reference to every cluster touched by {@code [offset, offset+length)}. */
    void addRange(long offset, long length, String what) {
        if (length <= 0) {
            return;
        }
        long first = offset >>> geometry.clusterBits;
        long last = (offset + length - 1) >>> geometry.clusterBits;
        if (offset < 0 || last >= fileClusters) {
            corruption("ERROR: counting reference for region exceeding the end of the file by one cluster or more: "
                    + "offset 0x" + Long.toHexString(offset) + " size 0x" + Long.toHexString(length) + " (" + what
                    + ")");
            return;
        }
        for (long c = first; c <= last; c++) {
            if (refs[(int) c] < Integer.MAX_VALUE) {
                refs[(int) c]++;
            }
        }
    }

    /** Everything but the refcount structures. */
    void countMetadata() throws IOException {
        Header h = file.header();
        long cs = geometry.clusterSize;
        addRange(0, cs, "header");
        addRange(h.l1TableOffset(), (long) h.l1Size() * 8, "active L1 table");
        walkL1(map.l1(), true);
        for (SnapshotTable.Entry sn : snapshots.entries()) {
            addRange(sn.l1Offset(), (long) sn.l1Size() * 8, "snapshot L1 table");
            walkL1(map.readL1(sn.l1Offset(), sn.l1Size()), false);
        }
        if (h.snapshotCount() > 0) {
            addRange(h.snapshotsOffset(), snapshots.tableBytes(), "snapshot table");
        }
        Bitmaps.addReferences(file, this);
    }

    /**
     * The refcount table and blocks as the header and table give them. With {@code growFile} (check -r all), a block
     * past the end of the file is repaired as qemu-img repairs it: the file grows to hold it (the block then reads as
     * refcounts of 0, which a rebuild replaces).
     */
    void countRefcountStructures(boolean growFile) throws IOException {
        Header h = file.header();
        long cs = geometry.clusterSize;
        addRange(h.refcountTableOffset(), (long) h.refcountTableClusters() * cs, "refcount table");
        long[] table = refcounts.table();
        for (int i = 0; i < table.length; i++) {
            long off = table[i];
            if ((off & RESERVED_REFTABLE_BITS) != 0) {
                corruption("ERROR refcount table entry " + i + " has reserved bits set");
                rebuildNeeded = true;
                continue;
            }
            if ((off & (cs - 1)) != 0) {
                corruption("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                rebuildNeeded = true;
                continue;
            }
            if (Long.compareUnsigned(off >>> geometry.clusterBits, fileClusters) >= 0) {
                outsideFile(i, off, growFile);
                continue;
            }
            if (off != 0) {
                addRange(off, cs, "refcount block");
                // as qemu-img: a block used by anything else too (another table entry, say) is broken
                int refs = this.refs[(int) (off >>> geometry.clusterBits)];
                if (refs != 1) {
                    corruption("ERROR refcount block " + i + " refcount=" + refs);
                    rebuildNeeded = true;
                }
            }
        }
    }

    /**
     * Refcount block {@code i}, at {@code offset} past the end of the file: an error, or with {@code growFile}
     * (check -r all) repaired as qemu-img repairs it, by growing the file to hold it (it then reads as refcounts of
     * 0, which a rebuild replaces). The file grows by at most its size or 1 GiB: an entry farther out is taken for
     * garbage, as qemu-img takes one whose file it cannot grow.
     */
    private void outsideFile(int i, long offset, boolean growFile) throws IOException {
        long size = file.storage().size();
        long cs = geometry.clusterSize;
        if (!growFile) {
            corruption("ERROR refcount block " + i + " is outside image");
        } else if (offset < 0 || offset + cs - size > Math.max(size, 1L << 30)) {
            corruption("Repairing refcount block " + i + " is outside image");
            note(messages, "ERROR could not resize image: File too large");
            rebuildNeeded = true;
        } else {
            note(messages, "Repairing refcount block " + i + " is outside image");
            file.storage().resize(offset + cs, Preallocation.OFF);
            coverFile();
            corruptionsFixed++;
            addRange(offset, cs, "refcount block");
        }
    }

    private void walkL1(long[] l1, boolean active) throws IOException {
        long cs = geometry.clusterSize;
        java.util.BitSet seen = new java.util.BitSet();
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Entry.OFFSET_MASK;
            if (l2Off == 0) {
                continue;
            }
            long cluster = l2Off >>> geometry.clusterBits;
            if (cluster < fileClusters && seen.get((int) cluster)) {
                // A table listed twice is counted, not walked again: hostile loops cost no time.
                corruptions++;
                if (messages.size() < MAX_MESSAGES) {
                    note(messages, "ERROR l2_offset=" + Long.toHexString(l2Off) + ": L2 table referenced twice by "
                            + "one L1 table (L1 index " + i + ")");
                }
                addRange(l2Off, cs, "L2 table");
                continue;
            }
            if (cluster < fileClusters) {
                seen.set((int) cluster);
            }
            if ((l2Off & (cs - 1)) != 0) {
                corruption("ERROR l2_offset=" + Long.toHexString(l2Off)
                        + ": Table is not cluster aligned; L1 entry corrupted");
                continue;
            }
            if ((l2Off >>> geometry.clusterBits) >= fileClusters) {
                corruption("ERROR l2_offset=" + Long.toHexString(l2Off) + ": L2 table is outside the image");
                continue;
            }
            addRange(l2Off, cs, "L2 table");
            byte[] table;
            try {
                table = map.table(l2Off);
            } catch (IOException e) {
                checkErrors++;
                note(messages, "ERROR reading L2 table at " + l2Off + ": " + e.getMessage());
                continue;
            }
            nextContiguous = 0; // qemu-img counts fragmentation within each L2 table
            walkL2(table, active);
        }
    }

    private void walkL2(byte[] table, boolean active) {
        boolean df = file.header().hasDataFile();
        for (int j = 0; j < geometry.l2Entries; j++) {
            long e = map.entry(table, j);
            long bitmap = map.bitmap(table, j);
            if (e == 0 && bitmap == 0) {
                continue;
            }
            if (L2Entry.isCompressed(e)) {
                if ((e & L2Entry.COPIED) != 0) {
                    corruption("ERROR: coffset=0x" + Long.toHexString(L2Entry.compressedOffset(e, geometry.clusterBits))
                            + ": copied flag must never be set for compressed clusters");
                }
                if (df) {
                    corruption("ERROR compressed cluster in an image with an external data file");
                    continue;
                }
                if (geometry.extendedL2 && bitmap != 0) {
                    corruption("ERROR compressed cluster with a non-zero subcluster allocation bitmap");
                }
                int bits = geometry.clusterBits;
                addRange(L2Entry.compressedOffset(e, bits), L2Entry.compressedLength(e, bits), "compressed cluster");
                if (active) {
                    allocatedClusters++;
                    compressedClusters++;
                    fragmentedClusters++;
                }
                continue;
            }
            boolean hasHost = L2Entry.hasHostCluster(e, df);
            if (geometry.extendedL2 && ((bitmap >>> 32) & bitmap & 0xffffffffL) != 0) {
                corruption("ERROR: Invalid cluster entry: 0x" + Long.toHexString(e) + " bitmap 0x"
                        + Long.toHexString(bitmap));
            }
            if (!hasHost) {
                if (geometry.extendedL2 && (bitmap & 0xffffffffL) != 0) {
                    corruption("ERROR: Invalid cluster entry: 0x" + Long.toHexString(e)
                            + " (allocated subclusters without a host cluster)");
                }
                continue;
            }
            long off = L2Entry.offset(e);
            if ((off & (geometry.clusterSize - 1)) != 0) {
                // as qemu-img, which then counts the entry as any other: a reference to each cluster it touches
                boolean data = geometry.extendedL2 ? (bitmap & 0xffffffffL) != 0 : (e & L2Entry.ZERO) == 0;
                corruption("ERROR offset=" + Long.toHexString(off) + ": " + (data ? "Data" : "Preallocated")
                        + " cluster is not properly aligned; L2 entry corrupted.");
            }
            if (active) {
                if (nextContiguous != 0 && off != nextContiguous) {
                    fragmentedClusters++;
                }
                allocatedClusters++;
                nextContiguous = off + geometry.clusterSize;
            }
            if (!df) {
                addRange(off, geometry.clusterSize, "data cluster");
            }
        }
    }
}
