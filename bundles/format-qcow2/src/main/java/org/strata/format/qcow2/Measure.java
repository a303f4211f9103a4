package org.strata.format.qcow2;

import java.io.IOException;
import java.util.Map;

import org.strata.api.ShallowMapping;
import org.strata.api.BlockStatus;
import org.strata.api.BlockStatusSource;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.api.Measurement;
import org.strata.api.Preallocation;

/** qemu-img measure for qcow2: the metadata a fully allocated image needs, plus the data the source holds. */
final class Measure {

    private Measure() {
    }

    static Measurement measure(long virtualSize, Map<String, String> options, FormatAccess source)
            throws IOException {
        CreateOptions o = CreateOptions.parseForMeasure(options);
        long cs = 1L << o.clusterBits;
        if (source == null) {
            checkSize(virtualSize, o);
        }
        long size = source != null ? source.size() : virtualSize;
        long aligned = (size + cs - 1) / cs * cs;
        long fully = preallocSize(aligned, cs, o.refcountOrder, o.extendedL2);
        long data;
        if (o.prealloc == Preallocation.FULL || o.prealloc == Preallocation.FALLOC) {
            data = aligned;
        } else if (source == null) {
            data = 0;
        } else if (o.backingFile != null) {
            // as qemu-img: how much the new backing file shares with the source is unknown, so every cluster counts
            data = aligned;
        } else {
            data = allocatedData(source, cs);
        }
        // as qemu: a bitmaps figure only when both the source and the target can hold persistent bitmaps
        long bitmaps = o.version >= 3 && holdsBitmaps(source) ? 0 : -1;
        return new Measurement(fully - aligned + data, fully, bitmaps);
    }

    /** qemu-img measure's check of a size to measure: the L1 table it needs must not exceed its maximum. */
    private static void checkSize(long size, CreateOptions o) {
        if (Geometry.l1EntriesFor(size, o.clusterBits, o.extendedL2) * 8 > Header.MAX_L1_BYTES) {
            throw new IllegalArgumentException("The image size is too large (try using a larger cluster size)");
        }
    }

    /**
     * Bytes of the target clusters that hold data of {@code source} (whole chain), as qemu-img counts them from
     * block status, which each layer's driver says how QEMU finds ({@link BlockStatusSource}): data mappings count
     * whole, except where QEMU looks for holes in the file under them (raw layers, and qcow2 layers with
     * preallocated metadata); zeroes and unallocated ranges do not count, except in or under a layer without block
     * status, which QEMU counts as data throughout.
     */
    private static long allocatedData(FormatAccess source, long cs) throws IOException {
        long size = source.size();
        long required = 0;
        long offset = 0;
        while (offset < size) {
            Mapping m = source.getMapping(offset, size - offset);
            long n = m.length();
            boolean data = m instanceof Mapping.Special || withoutBlockStatus(source, m.depth(), offset);
            if (!data && m instanceof Mapping.Raw r) {
                data = true;
                if (layer(source, r.depth()).blockStatusSource().asksStorage()) {
                    BlockStatus st = r.storage().blockStatus(r.offset(), n);
                    n = Math.min(n, Math.max(1, st.length()));
                    data = !st.zero();
                }
            }
            if (data) {
                long end = (offset + n + cs - 1) / cs * cs;
                required += end - offset / cs * cs;
                n = end - offset;
            }
            offset += n;
        }
        return required;
    }

    /** Whether a layer from {@code top} down to {@code depth} reports no block status at {@code offset}. */
    private static boolean withoutBlockStatus(FormatAccess top, int depth, long offset) throws IOException {
        FormatAccess layer = top;
        for (int i = 0; i <= depth && layer != null && offset < layer.size(); i++) {
            if (layer.blockStatusSource() == BlockStatusSource.NONE) {
                return true;
            }
            layer = layer.backing();
        }
        return false;
    }

    /** The layer {@code depth} levels below {@code top}. */
    private static FormatAccess layer(FormatAccess top, int depth) {
        FormatAccess layer = top;
        for (int i = 0; i < depth; i++) {
            layer = layer.backing();
        }
        return layer;
    }

    /** qcow2's fully preallocated size: header, L2 and L1 tables, refcount structures, data. */
    static long preallocSize(long alignedSize, long cs, int refcountOrder, boolean extendedL2) {
        long l2e = extendedL2 ? 16 : 8;
        long meta = cs;
        long nl2e = alignedSize / cs;
        nl2e = roundUp(nl2e, cs / l2e);
        meta += nl2e * l2e;
        long nl1e = nl2e * l2e / cs;
        nl1e = roundUp(nl1e, cs / 8);
        meta += nl1e * 8;
        meta += refcountMetadataSize((meta + alignedSize) / cs, cs, refcountOrder);
        return meta + alignedSize;
    }

    /** Refcount table and block bytes that count {@code clusters} clusters and themselves (a fixed point). */
    static long refcountMetadataSize(long clusters, long cs, int refcountOrder) {
        long perTableCluster = cs / 8;
        long perBlock = cs * 8 / (1L << refcountOrder);
        long table = 0;
        long blocks = 0;
        long n = 0;
        long last;
        do {
            last = n;
            blocks = (clusters + table + blocks + perBlock - 1) / perBlock;
            table = (blocks + perTableCluster - 1) / perTableCluster;
            n = clusters + blocks + table;
        } while (n != last);
        return (blocks + table) * cs;
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    /** Whether {@code source} is an image that can hold persistent bitmaps: qcow2 version 3. */
    private static boolean holdsBitmaps(org.strata.api.FormatAccess source) throws java.io.IOException {
        if (source == null || !source.formatName().equals("qcow2")) {
            return false;
        }
        java.util.Map<String, Object> specific = source.info().formatSpecific();
        return specific != null && "1.1".equals(specific.get("compat"));
    }
}
