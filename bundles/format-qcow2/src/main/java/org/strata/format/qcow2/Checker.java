package org.strata.format.qcow2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.CheckResult;
import org.strata.api.RepairMode;

/**
 * qemu-img check for qcow2: counts the references the metadata makes, compares them with the refcounts on disk
 * ("ERROR cluster 5 refcount=0 reference=1", "Leaked cluster 9 refcount=1 reference=0"), checks the COPIED flags,
 * and repairs leaks (-r leaks) or everything it can (-r all). Runs under the metadata lock, after a flush.
 */
final class Checker {

    private final Qcow2Image image;
    private final ImageFile file;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final Geometry geometry;

    Checker(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
        this.map = image.clusterMap();
        this.refcounts = image.refcounts();
        this.geometry = file.geometry();
    }

    /** A cluster whose refcount on disk differs from the references to it. */
    private record Mismatch(long cluster, long onDisk, long referenced) {
        /** qemu-img's line for it, as found or as repaired. */
        String describe(boolean repaired) {
            return (repaired ? "Repairing" : onDisk > referenced ? "Leaked" : "ERROR") + " cluster " + cluster
                    + " refcount=" + onDisk + " reference=" + referenced;
        }
    }

    /** The file's size, taken once (a system call per lookup would dominate big checks). */
    private long fileSize;

    /** What the check finds and repairs, counted as qemu-img counts it. */
    private static final class Tally {
        long checkErrors;
        long corruptions;
        long leaks;
        long corruptionsFixed;
        long leaksFixed;
        long highest = -1;
    }

    CheckResult check(RepairMode mode) throws IOException {
        References r = RefcountRebuild.countAll(image, mode == RepairMode.ALL);
        fileSize = file.storage().size();
        List<String> messages = new ArrayList<>(r.messages);
        Tally t = new Tally();
        t.checkErrors = r.checkErrors;
        t.corruptions = r.corruptions;
        t.corruptionsFixed = r.corruptionsFixed;
        // as qemu-img: what is wrong first (repairs are listed after it)
        List<Mismatch> mismatches = compare(r, t);
        for (Mismatch m : mismatches) {
            References.note(messages, m.describe(false));
            if (m.onDisk < m.referenced) {
                t.corruptions++;
            } else {
                t.leaks++;
            }
        }
        boolean rebuildNeeded = rebuildNeeded(r, mismatches);
        if (rebuildNeeded && mode == RepairMode.ALL) {
            rebuild(r, t, messages);
        } else if (rebuildNeeded && mode == RepairMode.LEAKS) {
            // as qemu-img: repairing leaks cannot repair this; it says so and fails, changing nothing
            References.note(messages, "ERROR need to rebuild refcount structures");
            return result(t, r.checkErrors + 1, r, messages);
        } else if (mode != RepairMode.NONE && !mismatches.isEmpty()) {
            // refcounts merely too low or too high are set in place
            t.corruptions = r.corruptions;
            t.leaks = 0;
            repair(mismatches, mode, t, messages);
        }
        fileSize = file.storage().size(); // a rebuild may have put the new refcount structure past the old end
        // as qemu-img: -r leaks repairs the COPIED flags too when nothing else is wrong
        boolean fixFlags = mode == RepairMode.ALL
                || (mode == RepairMode.LEAKS && t.checkErrors == 0 && t.corruptions == 0 && t.leaks == 0);
        long[] flagFixes = checkCopiedFlags(fixFlags, messages);
        t.corruptions += flagFixes[0];
        t.corruptionsFixed += flagFixes[1];
        image.flushLocked();
        if (mode == RepairMode.ALL && t.corruptions == 0 && t.checkErrors == 0 && file.header().corrupt()) {
            file.markRepaired();
        }
        return result(t, t.checkErrors, r, messages);
    }

    private CheckResult result(Tally t, long checkErrors, References r, List<String> messages) {
        return new CheckResult(checkErrors, t.corruptions, t.leaks, t.corruptionsFixed, t.leaksFixed,
                (t.highest + 1) << geometry.clusterBits, totalClusters(), r.allocatedClusters, r.fragmentedClusters,
                r.compressedClusters, messages);
    }

    /**
     * The clusters of the file whose refcount on disk differs from the references to it; notes the highest cluster
     * either counts. Only the file's clusters, as qemu-img: refcounts past its end are not compared (nor listed), so
     * a table whose entries reach far past the file costs nothing.
     */
    private List<Mismatch> compare(References r, Tally t) throws IOException {
        long[] table = refcounts.table();
        List<Mismatch> mismatches = new ArrayList<>();
        t.highest = -1;
        for (long c = 0; c < r.fileClusters; c++) {
            long disk = onDisk(table, c);
            long ref = r.refs[(int) c];
            if (disk > 0 || ref > 0) {
                t.highest = c;
            }
            if (disk != ref) {
                mismatches.add(new Mismatch(c, disk, ref));
            }
        }
        return mismatches;
    }

    /** Sets the refcounts {@code mode} repairs to the references; counts what it leaves as it is. */
    private void repair(List<Mismatch> mismatches, RepairMode mode, Tally t, List<String> messages)
            throws IOException {
        for (Mismatch m : mismatches) {
            boolean leak = m.onDisk > m.referenced;
            boolean fix = mode == RepairMode.ALL || (leak && mode == RepairMode.LEAKS);
            References.note(messages, m.describe(fix));
            if (fix) {
                refcounts.add(m.cluster, m.referenced - m.onDisk);
                if (leak) {
                    t.leaksFixed++;
                } else {
                    t.corruptionsFixed++;
                }
            } else if (leak) {
                t.leaks++;
            } else {
                t.corruptions++;
            }
        }
    }

    /**
     * As qemu-img: a new refcount structure from the references counted (the old structure's included), then a
     * recount, whose findings are listed again, and the old structure's clusters, now leaked, freed ("Repairing").
     * What the rebuild mended counts as repaired.
     */
    private void rebuild(References counted, Tally t, List<String> messages) throws IOException {
        References.note(messages, "Rebuilding refcount structure");
        new RefcountRebuild(image).rebuild(counted);
        fileSize = file.storage().size();
        References r = RefcountRebuild.countAll(image, false);
        r.messages.forEach(m -> References.note(messages, m));
        Tally after = new Tally();
        List<Mismatch> left = compare(r, after);
        repair(left, RepairMode.LEAKS, after, messages);
        if (left.stream().anyMatch(m -> m.onDisk == 0)) {
            References.note(messages, "ERROR rebuilt refcount structure is still broken");
        }
        t.checkErrors += r.checkErrors;
        t.corruptionsFixed += Math.max(0, t.corruptions - r.corruptions);
        t.leaksFixed += t.leaks;
        t.corruptions = r.corruptions;
        t.leaks = after.leaks;
        t.highest = after.highest;
    }

    /** The guest's clusters. */
    private long totalClusters() {
        return (file.header().size() + geometry.clusterSize - 1) >>> geometry.clusterBits;
    }

    /**
     * Whether only a rebuild of the refcount structure repairs the image, as qemu-img decides: a refcount block that
     * is misplaced or used by something else, or a cluster in use whose refcount is 0.
     */
    private static boolean rebuildNeeded(References r, List<Mismatch> mismatches) {
        return r.rebuildNeeded || mismatches.stream().anyMatch(m -> m.onDisk == 0 && m.referenced > 0);
    }

    /** A refcount block offset that is safe to read, or 0. */
    private long validBlock(long[] table, int idx) throws IOException {
        long e = table[idx];
        long off = e & L2Entry.OFFSET_MASK;
        if (off == 0 || (e & ~L2Entry.OFFSET_MASK) != 0 || (off & (geometry.clusterSize - 1)) != 0
                || off >= fileSize) {
            return 0;
        }
        return off;
    }

    private long onDisk(long[] table, long cluster) throws IOException {
        long idx = cluster >>> geometry.refblockBits;
        if (idx >= table.length) {
            return 0;
        }
        long off = validBlock(table, (int) idx);
        if (off == 0) {
            return 0;
        }
        return refcounts.entry(refcounts.cache().get(off), (int) (cluster & (geometry.refblockEntries - 1)));
    }

    /**
     * Active L1 and L2 entries carry COPIED exactly when their cluster's refcount is 1. Returns the numbers of
     * wrong flags left and repaired.
     */
    private long[] checkCopiedFlags(boolean fix, List<String> messages) throws IOException {
        long left = 0;
        long fixed = 0;
        if (file.header().hasDataFile()) {
            return new long[] {0, 0};
        }
        long[] l1 = map.l1();
        java.util.BitSet seen = new java.util.BitSet();
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Entry.OFFSET_MASK;
            if (l2Off == 0 || (l2Off & (geometry.clusterSize - 1)) != 0 || l2Off >= fileSize
                    || seen.get((int) (l2Off >>> geometry.clusterBits))) {
                continue;
            }
            seen.set((int) (l2Off >>> geometry.clusterBits));
            long rc = onDisk(refcounts.table(), l2Off >>> geometry.clusterBits);
            boolean want = rc == 1;
            if (want != ((l1[i] & L2Entry.COPIED) != 0)) {
                References.note(messages, (fix ? "Repairing" : "ERROR") + " OFLAG_COPIED L2 cluster: l1_index=" + i
                        + " l1_entry=" + Long.toHexString(l1[i]) + " refcount=" + rc);
                if (fix) {
                    map.setL1(i, want ? l1[i] | L2Entry.COPIED : l1[i] & ~L2Entry.COPIED);
                    fixed++;
                } else {
                    left++;
                }
            }
            for (int j = 0; j < geometry.l2Entries; j++) {
                byte[] t = map.table(l2Off);
                long e = map.entry(t, j);
                long host = L2Entry.offset(e);
                if (L2Entry.isCompressed(e) || host == 0 || (host & (geometry.clusterSize - 1)) != 0) {
                    continue;
                }
                long drc = onDisk(refcounts.table(), host >>> geometry.clusterBits);
                boolean w = drc == 1;
                if (w != ((e & L2Entry.COPIED) != 0)) {
                    References.note(messages, (fix ? "Repairing" : "ERROR") + " OFLAG_COPIED data cluster: l2_entry="
                            + Long.toHexString(e) + " refcount=" + drc);
                    if (fix) {
                        map.set(l2Off, j, w ? e | L2Entry.COPIED : e & ~L2Entry.COPIED, map.bitmap(t, j));
                        fixed++;
                    } else {
                        left++;
                    }
                }
            }
        }
        return new long[] {left, fixed};
    }
}
