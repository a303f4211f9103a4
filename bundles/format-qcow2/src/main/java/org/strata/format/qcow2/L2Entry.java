package org.strata.format.qcow2;

/**
 * Decoding of L1 and L2 table entries (docs/interop/qcow2.rst, "Cluster mapping" and "Extended L2 Entries").
 * An entry is held as its first 64 bits plus, with extended L2 entries, the subcluster bitmap.
 */
final class L2Entry {

    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;
    static final long OFFSET_MASK = 0x00fffffffffffe00L;
    /** Bits that must be 0 in a standard L2 entry (1-8 and 56-61). */
    static final long STANDARD_RESERVED = 0x3f000000000001feL;
    static final long L1_RESERVED = 0x7f000000000001ffL;

    /** The kinds of a (sub)cluster, as QEMU's qcow2 code names them. */
    enum Kind { UNALLOCATED, ZERO_PLAIN, ZERO_ALLOC, NORMAL, COMPRESSED }

    private L2Entry() {
    }

    static boolean isCompressed(long entry) {
        return (entry & COMPRESSED) != 0;
    }

    static long offset(long entry) {
        return entry & OFFSET_MASK;
    }

    /**
     * The kind of a whole standard cluster entry (no extended L2). With an external data file, host offset 0 is a
     * real allocation when the COPIED flag is set.
     */
    static Kind kind(long entry, boolean dataFile) {
        if (isCompressed(entry)) {
            return Kind.COMPRESSED;
        }
        boolean hasHost = offset(entry) != 0 || (dataFile && (entry & COPIED) != 0);
        if ((entry & ZERO) != 0) {
            return hasHost ? Kind.ZERO_ALLOC : Kind.ZERO_PLAIN;
        }
        return hasHost ? Kind.NORMAL : Kind.UNALLOCATED;
    }

    /** Whether the entry has a host cluster (normal or preallocated zero). */
    static boolean hasHostCluster(long entry, boolean dataFile) {
        return !isCompressed(entry) && (offset(entry) != 0 || (dataFile && (entry & COPIED) != 0));
    }

    /** The kind of subcluster {@code sc} of a cluster with extended L2 entries. */
    static Kind subclusterKind(long entry, long bitmap, int sc, boolean dataFile) {
        if (isCompressed(entry)) {
            return Kind.COMPRESSED;
        }
        boolean hasHost = hasHostCluster(entry, dataFile);
        if ((bitmap & (1L << sc)) != 0) {
            return Kind.NORMAL;
        }
        if ((bitmap & (1L << (32 + sc))) != 0) {
            return hasHost ? Kind.ZERO_ALLOC : Kind.ZERO_PLAIN;
        }
        return Kind.UNALLOCATED;
    }

    /** Host offset of compressed data. */
    static long compressedOffset(long entry, int clusterBits) {
        int shift = 62 - (clusterBits - 8);
        return entry & ((1L << shift) - 1);
    }

    /** Bytes the compressed data may occupy (whole sectors from its offset's sector). */
    static long compressedLength(long entry, int clusterBits) {
        int shift = 62 - (clusterBits - 8);
        long sectors = ((entry >>> shift) & ((1L << (clusterBits - 8)) - 1)) + 1;
        return sectors * 512 - (compressedOffset(entry, clusterBits) & 511);
    }

    /** An entry for compressed data of {@code length} bytes at {@code hostOffset}. */
    static long compressedEntry(long hostOffset, long length, int clusterBits) {
        int shift = 62 - (clusterBits - 8);
        long firstSector = hostOffset >>> 9;
        long lastSector = (hostOffset + length - 1) >>> 9;
        long extra = lastSector - firstSector;
        return COMPRESSED | (extra << shift) | hostOffset;
    }
}
