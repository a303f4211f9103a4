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
    }

    /** The file's size, taken once (a system call per lookup would dominate big checks). */
    private long fileSize;

    CheckResult check(RepairMode mode) throws IOException {
        fileSize = file.storage().size();
        References r = new References(image);
        r.countMetadata();
        r.countRefcountStructures();
        List<String> messages = new ArrayList<>(r.messages);
        long corruptions = r.corruptions;
        long leaks = 0;
        long corruptionsFixed = 0;
        long leaksFixed = 0;
        long[] table = refcounts.table();
        // Only the file's clusters, as qemu-img: refcounts past its end are not compared (nor listed), so a table
        // whose entries reach far past the file costs nothing.
        List<Mismatch> mismatches = new ArrayList<>();
        long highest = -1;
        for (long c = 0; c < r.fileClusters; c++) {
            long disk = onDisk(table, c);
            long ref = r.refs[(int) c];
            if (disk > 0 || ref > 0) {
                highest = c;
            }
            if (disk != ref) {
                mismatches.add(new Mismatch(c, disk, ref));
            }
        }
        boolean tooLow = mismatches.stream().anyMatch(m -> m.onDisk < m.referenced);
        boolean rebuild = mode == RepairMode.ALL && (tooLow || r.corruptions > 0 && structureBroken(r));
        if (rebuild) {
            // Counted afresh without the old refcount structure, whose clusters simply become free.
            new RefcountRebuild(image).rebuild();
        }
        for (Mismatch m : mismatches) {
            boolean leak = m.onDisk > m.referenced;
            boolean fix = rebuild || (leak && mode != RepairMode.NONE);
            if (fix && !rebuild) {
                refcounts.add(m.cluster, m.referenced - m.onDisk);
            }
            String line = (fix ? "Repairing" : leak ? "Leaked" : "ERROR") + " cluster " + m.cluster + " refcount="
                    + m.onDisk + " reference=" + m.referenced;
            References.note(messages, line);
            if (fix) {
                if (leak) {
                    leaksFixed++;
                } else {
                    corruptionsFixed++;
                }
            } else if (leak) {
                leaks++;
            } else {
                corruptions++;
            }
        }
        if (rebuild) {
            corruptions -= structureProblems(r);
            corruptionsFixed += structureProblems(r);
        }
        fileSize = file.storage().size(); // a rebuild put the new refcount structure past the old end
        long[] flagFixes = checkCopiedFlags(mode == RepairMode.ALL, messages);
        corruptions += flagFixes[0];
        corruptionsFixed += flagFixes[1];
        image.flushLocked();
        if (mode == RepairMode.ALL && corruptions == 0 && r.checkErrors == 0 && file.header().corrupt()) {
            file.markRepaired();
        }
        long total = (file.header().size() + geometry.clusterSize - 1) >>> geometry.clusterBits;
        return new CheckResult(r.checkErrors, corruptions, leaks, corruptionsFixed, leaksFixed,
                (highest + 1) << geometry.clusterBits, total, r.allocatedClusters, r.fragmentedClusters,
                r.compressedClusters, messages);
    }

    private static boolean structureBroken(References r) {
        return structureProblems(r) > 0;
    }

    /** Problems of the refcount structure itself (which a rebuild repairs). */
    private static long structureProblems(References r) {
        return r.messages.stream().filter(m -> m.startsWith("ERROR refcount block")).count();
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
