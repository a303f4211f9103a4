package org.strata.format.qcow2;

/** The sizes that follow from a header: clusters, subclusters, L2 tables and refcount blocks. */
final class Geometry {

    final int clusterBits;
    final long clusterSize;
    final boolean extendedL2;
    /** Bytes of one L2 entry: 8, or 16 with extended L2 entries. */
    final int l2EntryBytes;
    final int l2Bits;
    final int l2Entries;
    final int subclusters;
    final long subclusterSize;
    final int refcountOrder;
    final int refcountBits;
    final int refblockBits;
    final long refblockEntries;

    Geometry(int clusterBits, boolean extendedL2, int refcountOrder) {
        this.clusterBits = clusterBits;
        this.clusterSize = 1L << clusterBits;
        this.extendedL2 = extendedL2;
        this.l2EntryBytes = extendedL2 ? 16 : 8;
        this.l2Bits = clusterBits - (extendedL2 ? 4 : 3);
        this.l2Entries = 1 << l2Bits;
        this.subclusters = extendedL2 ? 32 : 1;
        this.subclusterSize = clusterSize / subclusters;
        this.refcountOrder = refcountOrder;
        this.refcountBits = 1 << refcountOrder;
        this.refblockBits = clusterBits + 3 - refcountOrder;
        this.refblockEntries = 1L << refblockBits;
    }

    static Geometry of(Header h) {
        return new Geometry(h.clusterBits(), h.extendedL2(), h.refcountOrder());
    }

    /** L1 entries needed for {@code size} guest bytes. */
    static long l1EntriesFor(long size, int clusterBits, boolean extendedL2) {
        int l2Bits = clusterBits - (extendedL2 ? 4 : 3);
        long perL1 = 1L << (clusterBits + l2Bits);
        return (size + perL1 - 1) / perL1;
    }

    long l1EntriesFor(long size) {
        return l1EntriesFor(size, clusterBits, extendedL2);
    }

    int l1Index(long guest) {
        return (int) (guest >>> (clusterBits + l2Bits));
    }

    int l2Index(long guest) {
        return (int) ((guest >>> clusterBits) & (l2Entries - 1));
    }

    long clusterStart(long offset) {
        return offset & ~(clusterSize - 1);
    }

    long inCluster(long offset) {
        return offset & (clusterSize - 1);
    }

    int subclusterIndex(long guest) {
        return (int) (inCluster(guest) / subclusterSize);
    }

    long clustersFor(long bytes) {
        return (bytes + clusterSize - 1) >>> clusterBits;
    }

    long maxRefcount() {
        return refcountBits == 64 ? Long.MAX_VALUE : (1L << refcountBits) - 1;
    }
}
