package org.strata.format.qcow2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where the metadata of one image file lies, and the one overlap check made before anything is written there
 * (QEMU's {@code qcow2_check_metadata_overlap}): the header cluster, the active L1 table, the refcount table, the
 * snapshot table and the snapshots' L1 tables, the bitmap directory, and, cluster by cluster, the active L2 tables
 * and the refcount blocks. The parts that own these structures report where they lie whenever that changes;
 * {@link ImageFile} builds the throwing form of the check on {@link #check}.
 *
 * <p>Changed by one caller at a time (under the image's exclusive metadata lock, or its allocation lock);
 * {@link #check} changes nothing and may run meanwhile, in parallel: every change publishes a new array whole.
 */
final class Overlaps {

    /** A structure of a known extent. */
    private record Region(Metadata kind, long offset, long length) {
    }

    private final long clusterSize;
    /** The header cluster and what the header locates: the active L1 table, refcount table, bitmap directory. */
    private volatile Region[] headerRegions = {};
    private volatile Region[] snapshotRegions = {};
    /** Offsets of the active L2 tables, sorted. */
    private volatile long[] activeL2Tables = {};
    /** Offsets of the refcount blocks, sorted. */
    private volatile long[] refcountBlocks = {};

    Overlaps(long clusterSize) {
        this.clusterSize = clusterSize;
    }

    // ------------------------------------------------------------------ where the metadata lies

    void headerIs(Header header) {
        List<Region> regions = new ArrayList<>();
        regions.add(new Region(Metadata.HEADER, 0, clusterSize));
        regions.add(new Region(Metadata.ACTIVE_L1, header.l1TableOffset(), (long) header.l1Size() * 8));
        regions.add(new Region(Metadata.REFCOUNT_TABLE, header.refcountTableOffset(),
                (long) header.refcountTableClusters() * clusterSize));
        Bitmaps.Extension bitmaps = Bitmaps.Extension.of(header);
        if (bitmaps != null && bitmaps.directorySize() <= Bitmaps.MAX_DIRECTORY) { // (larger: refused when read)
            regions.add(new Region(Metadata.BITMAP_DIRECTORY, bitmaps.directoryOffset(), bitmaps.directorySize()));
        }
        headerRegions = regions.toArray(Region[]::new);
    }

    /** The snapshot table ({@code tableLength} 0 when there is none) and the L1 tables of its snapshots. */
    void snapshotsAre(long tableOffset, long tableLength, List<SnapshotTable.Entry> snapshots) {
        List<Region> regions = new ArrayList<>();
        regions.add(new Region(Metadata.SNAPSHOT_TABLE, tableOffset, tableLength));
        for (SnapshotTable.Entry e : snapshots) {
            regions.add(new Region(Metadata.SNAPSHOT_L1, e.l1Offset(), (long) e.l1Size() * 8));
        }
        snapshotRegions = regions.toArray(Region[]::new);
    }

    /** The active L2 tables: those the active L1 table names. */
    void activeL2TablesAre(long[] l1) {
        activeL2Tables = offsets(l1);
    }

    /** The refcount blocks: those the refcount table names. */
    void refcountBlocksAre(long[] refcountTable) {
        refcountBlocks = offsets(refcountTable);
    }

    void refcountBlockAdded(long offset) {
        long[] blocks = refcountBlocks;
        if (Arrays.binarySearch(blocks, offset) < 0) {
            long[] more = Arrays.copyOf(blocks, blocks.length + 1);
            more[blocks.length] = offset;
            Arrays.sort(more);
            refcountBlocks = more;
        }
    }

    /** The non-zero offsets a table's entries name, sorted. */
    private static long[] offsets(long[] table) {
        long[] offsets = new long[table.length];
        int n = 0;
        for (long e : table) {
            long offset = e & L2Entry.OFFSET_MASK;
            if (offset != 0) {
                offsets[n++] = offset;
            }
        }
        offsets = Arrays.copyOf(offsets, n);
        Arrays.sort(offsets);
        return offsets;
    }

    // ------------------------------------------------------------------ the check

    /** What a write of {@code [offset, offset+length)} would overwrite ("would overwrite the ..."), or empty. */
    Optional<String> check(long offset, long length) {
        return check(offset, length, null);
    }

    /**
     * As {@link #check(long, long)} for a write of (part of) a structure of kind {@code rewriting}, which may lie
     * on its own kind: its own place.
     */
    Optional<String> check(long offset, long length, Metadata rewriting) {
        if (length <= 0) {
            return Optional.empty();
        }
        Optional<String> hit = firstHit(headerRegions, offset, length, rewriting);
        if (hit.isEmpty()) {
            hit = firstHit(snapshotRegions, offset, length, rewriting);
        }
        long[] l2Tables = activeL2Tables;
        long[] blocks = refcountBlocks;
        for (long c = offset & ~(clusterSize - 1); hit.isEmpty() && c < offset + length; c += clusterSize) {
            if (rewriting != Metadata.ACTIVE_L2 && Arrays.binarySearch(l2Tables, c) >= 0) {
                hit = reason(Metadata.ACTIVE_L2);
            } else if (rewriting != Metadata.REFCOUNT_BLOCK && Arrays.binarySearch(blocks, c) >= 0) {
                hit = reason(Metadata.REFCOUNT_BLOCK);
            }
        }
        return hit;
    }

    private static Optional<String> firstHit(Region[] regions, long offset, long length, Metadata rewriting) {
        for (Region r : regions) {
            if (r.kind != rewriting && r.length > 0 && offset < r.offset + r.length && r.offset < offset + length) {
                return reason(r.kind);
            }
        }
        return Optional.empty();
    }

    private static Optional<String> reason(Metadata kind) {
        return Optional.of("would overwrite " + kind.description);
    }
}
