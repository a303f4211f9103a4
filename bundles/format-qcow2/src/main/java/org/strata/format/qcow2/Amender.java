package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

import org.strata.api.Preallocation;
import org.strata.api.RepairMode;
import org.strata.api.UnsupportedFeatureException;

/**
 * qemu-img amend for qcow2: compat up- and downgrade (expanding zero clusters for version 2), lazy refcounts,
 * refcount width (by rebuilding the refcount structure), the data file name and raw flag, the recorded backing
 * file, and the size. Runs under the metadata lock.
 */
final class Amender {

    private static final Set<String> CREATION_ONLY = Set.of("cluster_size", "preallocation", "extended_l2",
            "compression_type", "encryption", "encrypt.format", "encrypt.cipher-alg", "encrypt.cipher-mode",
            "encrypt.hash-alg", "encrypt.ivgen-alg", "encrypt.ivgen-hash-alg");
    static final Set<String> AMENDABLE = Set.of("compat", "lazy_refcounts", "refcount_bits", "data_file",
            "data_file_raw", "backing_file", "backing_fmt", "size");

    private final Qcow2Image image;
    private final ImageFile file;
    private final ClusterMap map;

    Amender(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
        this.map = image.clusterMap();
    }

    void amend(Map<String, String> options) throws IOException {
        Header h = file.header();
        for (String key : options.keySet()) {
            if (CREATION_ONLY.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key
                        + "': this option is only supported for image creation");
            }
            if (!AMENDABLE.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        int version = h.version();
        if (options.containsKey("compat")) {
            String c = options.get("compat");
            version = switch (c) {
                case "0.10", "v2" -> 2;
                case "1.1", "v3" -> 3;
                default -> throw new IllegalArgumentException("Unknown compatibility level " + c);
            };
        }
        boolean lazy = options.containsKey("lazy_refcounts") ? CreateOptions.parseBool(options, "lazy_refcounts")
                : h.lazyRefcounts() && version >= 3;
        String v3 = " (use compat=1.1 or greater)";
        if (lazy && version < 3) {
            throw new IllegalArgumentException("Lazy refcounts only supported with compatibility level 1.1 and above"
                    + v3);
        }
        int refcountOrder = h.refcountOrder();
        if (options.containsKey("refcount_bits")) {
            long bits;
            try {
                bits = Long.parseLong(options.get("refcount_bits"));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits <= 0 || bits > 64 || Long.bitCount(bits) != 1) {
                throw new IllegalArgumentException("Refcount width must be a power of two and may not exceed 64 "
                        + "bits");
            }
            refcountOrder = Long.numberOfTrailingZeros(bits);
        }
        if (version < 3 && refcountOrder != 4) {
            throw new IllegalArgumentException("Refcount widths other than 16 bits require compatibility level 1.1 "
                    + "or above" + v3);
        }
        if (options.containsKey("data_file_raw") && CreateOptions.parseBool(options, "data_file_raw")
                && !h.dataFileRaw()) {
            throw new IllegalArgumentException("data-file-raw cannot be set on existing images");
        }
        if (options.containsKey("data_file") && !h.hasDataFile()) {
            throw new IllegalArgumentException("data-file can only be set for images that use an external data file");
        }
        image.flushLocked();
        if (version > h.version()) {
            file.writeHeader(file.header().upgradedToVersion3());
        }
        if (refcountOrder != file.header().refcountOrder()) {
            new RefcountRebuild(image).rebuild(refcountOrder);
            new Checker(image).check(RepairMode.LEAKS); // frees the old structure
        }
        if (!lazy && file.dirtyOnDisk()) {
            file.clearDirty();
        }
        file.writeHeader(amendedHeader(file.header(), options).withLazyRefcounts(lazy));
        if (version < file.header().version()) {
            downgrade();
        }
        if (options.containsKey("size")) {
            long size = CreateOptions.parseSize("size", options.get("size"));
            image.resize((size + 511) / 512 * 512, Preallocation.OFF);
        }
        image.flushLocked();
        file.storage().sync();
    }

    /** The data file and backing file options applied to {@code h}. */
    private static Header amendedHeader(Header h, Map<String, String> options) {
        Header amended = h;
        if (options.containsKey("data_file_raw") && !CreateOptions.parseBool(options, "data_file_raw")) {
            amended = amended.withDataFileRaw(false);
        }
        if (options.containsKey("data_file")) {
            amended = amended.withDataFile(options.get("data_file"));
        }
        if (options.containsKey("backing_fmt") || options.containsKey("backing_file")) {
            String name = amended.backingFile();
            if (options.containsKey("backing_file")) {
                String b = options.get("backing_file");
                name = b == null || b.isEmpty() ? null : b;
            }
            amended = amended.withBackingFile(name, name == null ? null : options.get("backing_fmt"));
        }
        return amended;
    }

    /** To version 2: no zero clusters, data file, extended L2, zstd, bitmaps or lazy refcounts may remain. */
    private void downgrade() throws IOException {
        Header h = file.header();
        if (h.hasDataFile()) {
            throw new UnsupportedFeatureException(file.name() + ": Cannot downgrade an image with a data file");
        }
        if (h.extendedL2()) {
            throw new UnsupportedFeatureException(file.name() + ": Cannot downgrade an image with extended L2 entries");
        }
        if (h.compressionType() != Compression.ZLIB) {
            throw new UnsupportedFeatureException(file.name() + ": Cannot downgrade an image with a compression type "
                    + "other than zlib");
        }
        if (h.extensions().get(HeaderExtensions.BITMAPS) != null) {
            throw new UnsupportedFeatureException(file.name() + ": Cannot downgrade an image with bitmaps");
        }
        for (SnapshotTable.Entry sn : image.snapshotTable().entries()) {
            if (hasZeroClusters(map.readL1(sn.l1Offset(), sn.l1Size()))) {
                throw new UnsupportedFeatureException(file.name() + ": Cannot downgrade: snapshot '" + sn.name()
                        + "' has zero clusters");
            }
        }
        expandZeroClusters();
        image.flushLocked();
        file.storage().sync();
        file.writeHeader(file.header().downgradedToVersion2());
    }

    private boolean hasZeroClusters(long[] l1) throws IOException {
        Geometry g = file.geometry();
        for (long e : l1) {
            long l2 = e & L2Entry.OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            for (int j = 0; j < g.l2Entries; j++) {
                long entry = map.entry(map.table(l2), j);
                if (!L2Entry.isCompressed(entry) && (entry & L2Entry.ZERO) != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Zero clusters become unallocated (nothing below shows through) or allocated clusters of zeroes. */
    private void expandZeroClusters() throws IOException {
        Geometry g = file.geometry();
        long[] l1 = map.l1();
        for (int i = 0; i < l1.length; i++) {
            if ((l1[i] & L2Entry.OFFSET_MASK) == 0) {
                continue;
            }
            for (int j = 0; j < g.l2Entries; j++) {
                long guest = (((long) i << g.l2Bits) + j) << g.clusterBits;
                if (guest >= file.header().size()) {
                    break;
                }
                ClusterMap.Slot slot = map.slot(guest);
                long e = slot.entry();
                if (L2Entry.isCompressed(e) || (e & L2Entry.ZERO) == 0) {
                    continue;
                }
                long host = L2Entry.offset(e);
                long l2 = map.l2ForWrite(guest);
                if (host != 0 && (e & L2Entry.COPIED) != 0) {
                    file.requireNoOverlap(host, g.clusterSize, "zero cluster");
                    file.storage().writeZeroes(host, g.clusterSize, false);
                    map.set(l2, slot.index(), host | L2Entry.COPIED, 0);
                } else if (!file.header().hasBackingFile()) {
                    map.set(l2, slot.index(), 0, 0);
                    releaseShared(slot);
                } else {
                    long fresh = image.refcounts().allocate(1);
                    file.requireNoOverlap(fresh, g.clusterSize, "expanded zero cluster");
                    file.storage().write(ByteBuffer.allocate((int) g.clusterSize), fresh);
                    map.set(l2, slot.index(), fresh | L2Entry.COPIED, 0);
                    releaseShared(slot);
                }
            }
        }
    }

    private void releaseShared(ClusterMap.Slot slot) {
        if (L2Entry.offset(slot.entry()) != 0) {
            image.refcounts().freeLater(L2Entry.offset(slot.entry()), file.clusterSize());
        }
    }
}
