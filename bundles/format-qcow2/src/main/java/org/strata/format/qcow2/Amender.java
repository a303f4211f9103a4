package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

import org.strata.api.Preallocation;
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
    private static final Set<String> AMENDABLE = Set.of("compat", "lazy_refcounts", "refcount_bits", "data_file",
            "data_file_raw", "backing_file", "backing_fmt", "size");

    private final Qcow2Image img;
    private final ImageState s;

    Amender(Qcow2Image image) {
        this.img = image;
        this.s = image.s;
    }

    void amend(Map<String, String> options) throws IOException {
        Header h = s.header;
        for (String key : options.keySet()) {
            if (CREATION_ONLY.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key
                        + "': this option is only supported for image creation");
            }
            if (!AMENDABLE.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
        int version = h.version;
        if (options.containsKey("compat")) {
            String c = options.get("compat");
            version = switch (c) {
                case "0.10", "v2" -> 2;
                case "1.1", "v3" -> 3;
                default -> throw new IllegalArgumentException("Unknown compatibility level " + c);
            };
        }
        boolean lazy = options.containsKey("lazy_refcounts") ? CreateOptions.parseBool(options, "lazy_refcounts")
                : s.lazyRefcounts() && version >= 3;
        String v3 = " (use compat=1.1 or greater)";
        if (lazy && version < 3) {
            throw new IllegalArgumentException("Lazy refcounts only supported with compatibility level 1.1 and above"
                    + v3);
        }
        int refcountOrder = h.refcountOrder;
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
                && !s.dataFileRaw()) {
            throw new IllegalArgumentException("data-file-raw cannot be set on existing images");
        }
        if (options.containsKey("data_file") && !s.hasDataFile()) {
            throw new IllegalArgumentException("data-file can only be set for images that use an external data file");
        }
        img.flushLocked();
        if (version > h.version) {
            upgrade();
        }
        if (refcountOrder != h.refcountOrder) {
            changeRefcountWidth(refcountOrder);
        }
        if (options.containsKey("data_file_raw") && !CreateOptions.parseBool(options, "data_file_raw")) {
            h.autoclear &= ~Header.AUTOCLEAR_DATA_FILE_RAW;
        }
        if (options.containsKey("data_file")) {
            h.extensions.setString(HeaderExtensions.DATA_FILE, options.get("data_file"));
        }
        if (options.containsKey("backing_file")) {
            String b = options.get("backing_file");
            h.backingFile = b == null || b.isEmpty() ? null : b;
        }
        if (options.containsKey("backing_fmt") || options.containsKey("backing_file")) {
            String fmt = h.backingFile == null ? null : options.get("backing_fmt");
            h.extensions.setString(HeaderExtensions.BACKING_FORMAT, fmt);
        }
        if (!lazy && s.dirtyOnDisk) {
            s.file.sync();
            h.incompatible &= ~Header.INCOMPAT_DIRTY;
            s.dirtyOnDisk = false;
        }
        h.compatible = lazy ? h.compatible | Header.COMPAT_LAZY_REFCOUNTS : h.compatible & ~Header.COMPAT_LAZY_REFCOUNTS;
        s.writeHeader();
        if (version < h.version) {
            downgrade();
        }
        if (options.containsKey("size")) {
            long size = CreateOptions.parseSize("size", options.get("size"));
            img.resize((size + 511) / 512 * 512, Preallocation.OFF);
        }
        img.flushLocked();
        s.file.sync();
    }

    private void upgrade() throws IOException {
        Header h = s.header;
        h.version = 3;
        h.headerLength = Header.V3_LENGTH;
        h.refcountOrder = 4;
        if (s.clusterSize() > 4096) {
            h.extensions.addStandardFeatureTable();
        }
        s.writeHeader();
    }

    private void changeRefcountWidth(int order) throws IOException {
        s.header.refcountOrder = order;
        s.geometry = Geometry.of(s.header);
        img.refcounts.geometryChanged();
        new RefcountRebuild(img).rebuild();
    }

    /** To version 2: no zero clusters, data file, extended L2, zstd, bitmaps or lazy refcounts may remain. */
    private void downgrade() throws IOException {
        Header h = s.header;
        if (s.hasDataFile()) {
            throw new UnsupportedFeatureException(s.name + ": Cannot downgrade an image with a data file");
        }
        if (s.geometry.extendedL2) {
            throw new UnsupportedFeatureException(s.name + ": Cannot downgrade an image with extended L2 entries");
        }
        if (h.compressionType != Compression.ZLIB) {
            throw new UnsupportedFeatureException(s.name + ": Cannot downgrade an image with a compression type "
                    + "other than zlib");
        }
        if (h.extensions.get(HeaderExtensions.BITMAPS) != null) {
            throw new UnsupportedFeatureException(s.name + ": Cannot downgrade an image with bitmaps");
        }
        for (SnapshotTable.Entry sn : img.snapshots.entries()) {
            if (hasZeroClusters(img.map.readL1(sn.l1Offset(), sn.l1Size()))) {
                throw new UnsupportedFeatureException(s.name + ": Cannot downgrade: snapshot '" + sn.name()
                        + "' has zero clusters");
            }
        }
        expandZeroClusters();
        img.flushLocked();
        s.file.sync();
        h.version = 2;
        h.headerLength = Header.V2_LENGTH;
        h.incompatible = 0;
        h.compatible = 0;
        h.autoclear = 0;
        h.unknownTail = new byte[0];
        s.writeHeader();
    }

    private boolean hasZeroClusters(long[] l1) throws IOException {
        Geometry g = s.geometry;
        for (long e : l1) {
            long l2 = e & L2Entry.OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            for (int j = 0; j < g.l2Entries; j++) {
                long entry = img.map.entry(img.map.table(l2), j);
                if (!L2Entry.isCompressed(entry) && (entry & L2Entry.ZERO) != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Zero clusters become unallocated (nothing below shows through) or allocated clusters of zeroes. */
    private void expandZeroClusters() throws IOException {
        Geometry g = s.geometry;
        long[] l1 = img.map.l1();
        for (int i = 0; i < l1.length; i++) {
            if ((l1[i] & L2Entry.OFFSET_MASK) == 0) {
                continue;
            }
            for (int j = 0; j < g.l2Entries; j++) {
                long guest = (((long) i << g.l2Bits) + j) << g.clusterBits;
                if (guest >= s.header.size) {
                    break;
                }
                Qcow2Image.Slot slot = img.lookup(guest);
                long e = slot.entry();
                if (L2Entry.isCompressed(e) || (e & L2Entry.ZERO) == 0) {
                    continue;
                }
                long host = L2Entry.offset(e);
                long l2 = img.map.l2ForWrite(guest);
                if (host != 0 && (e & L2Entry.COPIED) != 0) {
                    s.file.writeZeroes(host, g.clusterSize, false);
                    img.map.set(l2, slot.index(), host | L2Entry.COPIED, 0);
                } else if (!img.hasBackingFile()) {
                    img.map.set(l2, slot.index(), 0, 0);
                    releaseShared(slot);
                } else {
                    long fresh = img.refcounts.allocate(1);
                    s.checkOverlap(fresh, g.clusterSize, "expanded zero cluster");
                    s.file.write(ByteBuffer.allocate((int) g.clusterSize), fresh);
                    img.map.set(l2, slot.index(), fresh | L2Entry.COPIED, 0);
                    releaseShared(slot);
                }
            }
        }
    }

    private void releaseShared(Qcow2Image.Slot slot) {
        if (L2Entry.offset(slot.entry()) != 0) {
            img.refcounts.freeLater(L2Entry.offset(slot.entry()), s.clusterSize());
        }
    }
}
