package org.strata.core.ops;

import java.io.IOException;
import java.util.List;

import org.strata.api.BlockStatus;
import org.strata.api.BlockStatusSource;
import org.strata.api.FormatAccess;
import org.strata.api.ImageInfo;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;

/**
 * The block status of a guest range as QEMU reports it, found from mappings and the storages' hole information
 * (never by reading data): what {@code qemu-img map}, {@code compare} and {@code convert} decide on.
 *
 * @param length    bytes with this status (at least 1)
 * @param allocated the layer (or some layer of the chain) decides the content here ({@code present} in map)
 * @param data      data is stored (not known to read as zeroes)
 * @param zero      reads as zeroes
 * @param storage   where the data lies, or null when there is no host offset (zeroes, compressed data)
 * @param offset    the host offset in {@code storage}, or -1
 * @param depth     the layer that decided it: 0 for the top
 * @param eof       the range reaches the end of the top image
 */
public record Extent(long length, boolean allocated, boolean data, boolean zero, Storage storage, long offset,
                     int depth, boolean eof) {

    /** Whether QEMU's status word would be the same (the flags, not the length, layer or host offset's value). */
    public boolean sameStatus(Extent o) {
        return allocated == o.allocated && data == o.data && zero == o.zero && (offset >= 0) == (o.offset >= 0)
                && eof == o.eof;
    }

    /**
     * What {@code layer} alone says of {@code [offset, offset + max)}, as QEMU's block status of one node;
     * {@code offset} lies inside the layer.
     */
    public static Extent ofLayer(FormatAccess layer, long offset, long max, int depth) throws IOException {
        BlockStatusSource source = layer.blockStatusSource();
        if (source == BlockStatusSource.NONE) {
            // QEMU sees every byte as allocated data without a host offset (one data run; convert reads it all)
            long len = Math.min(max, layer.size() - offset);
            Extent e = new Extent(len, true, true, false, null, -1, depth, false);
            return offset + len == layer.size() ? e.withEof(true) : e;
        }
        ShallowMapping m = layer.getShallowMapping(offset, max);
        long len = Math.min(max, m.length());
        Extent e;
        if (m instanceof ShallowMapping.Raw r) {
            // data, and zeroes too where the driver has QEMU look into the storage: a hole is then zeroes, and no
            // longer data where the storage's status passes through (raw). The storage is only asked where its
            // answer matters.
            boolean zero = false;
            if (source.asksStorage()) {
                BlockStatus st = r.storage().blockStatus(r.offset(), len);
                len = Math.min(len, st.length());
                zero = st.zero();
            }
            boolean data = !zero || source != BlockStatusSource.STORAGE;
            e = new Extent(len, true, data, zero, r.storage(), r.offset(), depth, false);
        } else if (m instanceof ShallowMapping.Special) {
            e = new Extent(len, true, true, false, null, -1, depth, false);
        } else if (m instanceof ShallowMapping.Zero z) {
            e = zeroes(layer, offset, len, z.explicit(), depth);
        } else if (m instanceof ShallowMapping.Indirect i) {
            // unallocated here: zeroes only where the backing file has ended
            boolean pastBacking = i.offset() >= i.layer().size();
            e = new Extent(len, false, false, pastBacking, null, -1, depth, false);
        } else {
            e = new Extent(len, false, false, true, null, -1, depth, false);
        }
        return offset + e.length == layer.size() ? e.withEof(true) : e;
    }

    /**
     * What the guest of {@code top} sees at {@code [offset, offset + max)}, as QEMU's block status of the chain
     * ("above" no base): the first layer that allocates the range decides; zeroes past a shorter backing layer's
     * end count as allocated there.
     */
    public static Extent above(FormatAccess top, long offset, long max) throws IOException {
        Extent e = ofLayer(top, offset, max, 0);
        if (e.allocated) {
            return e;
        }
        long topEof = e.eof ? offset + e.length : -1;
        FormatAccess layer = top.backing();
        int depth = 0;
        long len = e.length;
        while (layer != null) {
            depth++;
            if (offset >= layer.size()) {
                e = new Extent(len, true, false, true, null, -1, depth, false);
                break;
            }
            e = ofLayer(layer, offset, len, depth).withEof(false);
            len = e.length;
            if (e.allocated) {
                break;
            }
            layer = layer.backing();
        }
        return e.withEof(offset + e.length == topEof);
    }

    /**
     * Zeroes of one layer. QEMU gives zero clusters a host offset where they have one: in a raw external data
     * file every guest offset has its place (the same offset); in an image with subclusters (extended L2) a
     * cluster can hold zero or unallocated subclusters beside data, which have the cluster's host offset, found
     * from a data subcluster of the same cluster (the run then ends with the cluster).
     */
    private static Extent zeroes(FormatAccess layer, long offset, long len, boolean explicit, int depth)
            throws IOException {
        ImageInfo info = layer.info();
        var specific = info.formatSpecific();
        if (specific != null && Boolean.TRUE.equals(specific.get("data-file-raw"))) {
            List<Storage> storages = layer.storages();
            return new Extent(len, explicit, false, true, storages.get(storages.size() - 1), offset, depth, false);
        }
        if (specific == null || !Boolean.TRUE.equals(specific.get("extended-l2"))) {
            return new Extent(len, explicit, false, true, null, -1, depth, false);
        }
        long cluster = info.clusterSize();
        long start = offset / cluster * cluster;
        long end = Math.min(start + cluster, layer.size());
        len = Math.min(len, end - offset);
        for (long p = start; p < end; ) {
            ShallowMapping m = layer.getShallowMapping(p, end - p);
            if (m instanceof ShallowMapping.Raw r) {
                return new Extent(len, explicit, false, true, r.storage(), r.offset() - (p - start) + (offset - start),
                        depth, false);
            }
            p += m.length();
        }
        return new Extent(len, explicit, false, true, null, -1, depth, false);
    }

    private Extent withEof(boolean atEof) {
        return atEof == eof ? this : new Extent(length, allocated, data, zero, storage, offset, depth, atEof);
    }
}
