package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The qcow2 header (docs/interop/qcow2.rst, "Header"): the fixed fields, the header extensions and the backing
 * file name, all in the first cluster. Immutable: a change is a {@code with...} copy, which {@link ImageFile}
 * writes. Parsing bounds every field before anything is sized by it.
 *
 * @param unknownTail header bytes past the compression type that this version does not know, kept as they are
 *                    (never changed: copies share it)
 */
record Header(int version, int clusterBits, long size, int cryptMethod, long l1TableOffset, int l1Size,
              long refcountTableOffset, int refcountTableClusters, long snapshotsOffset, int snapshotCount,
              long incompatible, long compatible, long autoclear, int refcountOrder, int headerLength,
              int compressionType, byte[] unknownTail, String backingFile, HeaderExtensions extensions) {

    static final int MAGIC = 0x514649fb;
    static final int V2_LENGTH = 72;
    static final int V3_MIN_LENGTH = 104;
    /** What Strata writes for version 3: up to and including the compression type byte, padded to 8. */
    static final int V3_LENGTH = 112;

    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 2;
    static final long INCOMPAT_DATA_FILE = 4;
    static final long INCOMPAT_COMPRESSION = 8;
    static final long INCOMPAT_EXTL2 = 16;
    static final long INCOMPAT_KNOWN = 31;
    static final long COMPAT_LAZY_REFCOUNTS = 1;
    static final long AUTOCLEAR_BITMAPS = 1;
    static final long AUTOCLEAR_DATA_FILE_RAW = 2;

    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's limits, which keep hostile images from making us allocate gigabytes. */
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFTABLE_BYTES = 8L << 20;
    static final int MAX_BACKING_NAME = 1023;

    /**
     * The header of a new, empty image as qemu-img lays it out: refcount table in cluster 1 (its first block in
     * cluster 2), no L1 table yet, size 0.
     */
    static Header forNewImage(int version, int clusterBits, int refcountOrder, int compressionType,
                              boolean extendedL2) {
        Builder b = new Builder();
        b.version = version;
        b.clusterBits = clusterBits;
        b.refcountTableOffset = 1L << clusterBits;
        b.refcountTableClusters = 1;
        b.refcountOrder = refcountOrder;
        b.headerLength = version >= 3 ? V3_LENGTH : V2_LENGTH;
        b.compressionType = compressionType;
        if (compressionType != Compression.ZLIB) {
            b.incompatible |= INCOMPAT_COMPRESSION;
        }
        if (extendedL2) {
            b.incompatible |= INCOMPAT_EXTL2;
        }
        if (version >= 3 && clusterBits > 12) {
            // qemu-img leaves the feature name table out of small clusters, to keep room for the backing name.
            b.extensions = b.extensions.withStandardFeatureTable();
        }
        return b.build();
    }

    // ------------------------------------------------------------------ what the fields mean

    long clusterSize() {
        return 1L << clusterBits;
    }

    boolean has(long incompatBit) {
        return (incompatible & incompatBit) != 0;
    }

    boolean dirty() {
        return has(INCOMPAT_DIRTY);
    }

    boolean corrupt() {
        return has(INCOMPAT_CORRUPT);
    }

    boolean hasDataFile() {
        return has(INCOMPAT_DATA_FILE);
    }

    boolean dataFileRaw() {
        return (autoclear & AUTOCLEAR_DATA_FILE_RAW) != 0;
    }

    boolean lazyRefcounts() {
        return (compatible & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    boolean extendedL2() {
        return has(INCOMPAT_EXTL2);
    }

    boolean hasBackingFile() {
        return backingFile != null && !backingFile.isEmpty();
    }

    String backingFormat() {
        return extensions.getString(HeaderExtensions.BACKING_FORMAT);
    }

    String dataFileName() {
        return extensions.getString(HeaderExtensions.DATA_FILE);
    }

    // ------------------------------------------------------------------ changed copies

    Header withSize(long newSize) {
        return change(b -> b.size = newSize);
    }

    Header withL1Table(long offset, int entries) {
        return change(b -> {
            b.l1TableOffset = offset;
            b.l1Size = entries;
        });
    }

    Header withRefcountTable(long offset, int clusters) {
        return change(b -> {
            b.refcountTableOffset = offset;
            b.refcountTableClusters = clusters;
        });
    }

    Header withRefcountOrder(int order) {
        return change(b -> b.refcountOrder = order);
    }

    Header withSnapshotTable(long offset, int count) {
        return change(b -> {
            b.snapshotsOffset = offset;
            b.snapshotCount = count;
        });
    }

    /** The size and where the tables lie as {@code other} (a fresh reading of the file) has them. */
    Header withSizeAndTablesOf(Header other) {
        return change(b -> {
            b.size = other.size;
            b.l1TableOffset = other.l1TableOffset;
            b.l1Size = other.l1Size;
            b.refcountTableOffset = other.refcountTableOffset;
            b.refcountTableClusters = other.refcountTableClusters;
            b.snapshotsOffset = other.snapshotsOffset;
            b.snapshotCount = other.snapshotCount;
        });
    }

    Header withDirty(boolean on) {
        return withIncompatible(INCOMPAT_DIRTY, on);
    }

    Header withCorrupt(boolean on) {
        return withIncompatible(INCOMPAT_CORRUPT, on);
    }

    private Header withIncompatible(long bit, boolean on) {
        return change(b -> b.incompatible = on ? incompatible | bit : incompatible & ~bit);
    }

    Header withLazyRefcounts(boolean on) {
        return change(b -> b.compatible = on ? compatible | COMPAT_LAZY_REFCOUNTS
                : compatible & ~COMPAT_LAZY_REFCOUNTS);
    }

    Header withAutoclear(long bits) {
        return change(b -> b.autoclear = bits);
    }

    Header withDataFileRaw(boolean on) {
        return withAutoclear(on ? autoclear | AUTOCLEAR_DATA_FILE_RAW : autoclear & ~AUTOCLEAR_DATA_FILE_RAW);
    }

    /**
     * Persistent bitmaps: the bitmaps extension ({@code extension}, null for none) and the autoclear bit that says
     * it is valid.
     */
    Header withBitmaps(byte[] extension) {
        return change(b -> {
            b.extensions = extensions.with(HeaderExtensions.BITMAPS, extension);
            b.autoclear = extension != null ? autoclear | AUTOCLEAR_BITMAPS : autoclear & ~AUTOCLEAR_BITMAPS;
        });
    }

    /** Guest data in the external data file {@code name}. */
    Header withDataFile(String name) {
        return change(b -> {
            b.incompatible |= INCOMPAT_DATA_FILE;
            b.extensions = extensions.withString(HeaderExtensions.DATA_FILE, name);
        });
    }

    /** Another backing file (null: none) and its format (null: not recorded). */
    Header withBackingFile(String name, String format) {
        return change(b -> {
            b.backingFile = name;
            b.extensions = extensions.withString(HeaderExtensions.BACKING_FORMAT, format);
        });
    }

    /** Version 3 of a version 2 image: 16-bit refcounts, and the feature name table where qemu-img adds it. */
    Header upgradedToVersion3() {
        return change(b -> {
            b.version = 3;
            b.headerLength = V3_LENGTH;
            b.refcountOrder = 4;
            if (clusterBits > 12) {
                b.extensions = extensions.withStandardFeatureTable();
            }
        });
    }

    /** Version 2: no feature bits, no fields past the version 2 header. */
    Header downgradedToVersion2() {
        return change(b -> {
            b.version = 2;
            b.headerLength = V2_LENGTH;
            b.incompatible = 0;
            b.compatible = 0;
            b.autoclear = 0;
            b.unknownTail = new byte[0];
        });
    }

    private Header change(java.util.function.Consumer<Builder> edit) {
        Builder b = new Builder(this);
        edit.accept(b);
        return b.build();
    }

    /** The fields while a header is parsed or changed; only {@link Header} uses it. */
    private static final class Builder {
        int version;
        int clusterBits;
        long size;
        int cryptMethod;
        long l1TableOffset;
        int l1Size;
        long refcountTableOffset;
        int refcountTableClusters;
        long snapshotsOffset;
        int snapshotCount;
        long incompatible;
        long compatible;
        long autoclear;
        int refcountOrder = 4;
        int headerLength;
        int compressionType;
        byte[] unknownTail = new byte[0];
        String backingFile;
        HeaderExtensions extensions = HeaderExtensions.NONE;

        Builder() {
        }

        Builder(Header h) {
            version = h.version;
            clusterBits = h.clusterBits;
            size = h.size;
            cryptMethod = h.cryptMethod;
            l1TableOffset = h.l1TableOffset;
            l1Size = h.l1Size;
            refcountTableOffset = h.refcountTableOffset;
            refcountTableClusters = h.refcountTableClusters;
            snapshotsOffset = h.snapshotsOffset;
            snapshotCount = h.snapshotCount;
            incompatible = h.incompatible;
            compatible = h.compatible;
            autoclear = h.autoclear;
            refcountOrder = h.refcountOrder;
            headerLength = h.headerLength;
            compressionType = h.compressionType;
            unknownTail = h.unknownTail;
            backingFile = h.backingFile;
            extensions = h.extensions;
        }

        Header build() {
            return new Header(version, clusterBits, size, cryptMethod, l1TableOffset, l1Size, refcountTableOffset,
                    refcountTableClusters, snapshotsOffset, snapshotCount, incompatible, compatible, autoclear,
                    refcountOrder, headerLength, compressionType, unknownTail, backingFile, extensions);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Reads and validates the header of {@code storage}. */
    static Header read(Storage storage) throws IOException {
        String name = storage.location();
        long fileSize = storage.size();
        ByteBuffer fixed = ByteBuffer.allocate(V3_MIN_LENGTH);
        storage.read(fixed, 0);
        fixed.flip();
        if (fileSize < 4 || fixed.getInt(0) != MAGIC) {
            throw new ImageFormatException("Image is not in qcow2 format"); // qemu-img's words (-f qcow2 on another)
        }
        if (fileSize < V2_LENGTH) {
            throw new ImageFormatException(name + ": truncated qcow2 header (" + fileSize + " bytes)");
        }
        Builder b = new Builder();
        b.version = fixed.getInt(4);
        if (b.version != 2 && b.version != 3) {
            throw new UnsupportedFeatureException(name + ": unsupported qcow2 version " + b.version);
        }
        long backingFileOffset = fixed.getLong(8);
        int backingFileSize = fixed.getInt(16);
        b.clusterBits = fixed.getInt(20);
        b.size = fixed.getLong(24);
        b.cryptMethod = fixed.getInt(32);
        b.l1Size = fixed.getInt(36);
        b.l1TableOffset = fixed.getLong(40);
        b.refcountTableOffset = fixed.getLong(48);
        b.refcountTableClusters = fixed.getInt(56);
        b.snapshotCount = fixed.getInt(60);
        b.snapshotsOffset = fixed.getLong(64);
        if (b.clusterBits < MIN_CLUSTER_BITS || b.clusterBits > MAX_CLUSTER_BITS) {
            throw new ImageFormatException(name + ": unsupported cluster size: 2^" + b.clusterBits);
        }
        long cs = 1L << b.clusterBits;
        if (b.version == 2) {
            b.headerLength = V2_LENGTH;
        } else {
            if (fileSize < V3_MIN_LENGTH) {
                throw new ImageFormatException(name + ": truncated qcow2 version 3 header");
            }
            b.incompatible = fixed.getLong(72);
            b.compatible = fixed.getLong(80);
            b.autoclear = fixed.getLong(88);
            b.refcountOrder = fixed.getInt(96);
            b.headerLength = fixed.getInt(100);
            if (b.headerLength < V3_MIN_LENGTH || b.headerLength > cs || b.headerLength % 8 != 0) {
                throw new ImageFormatException(name + ": invalid qcow2 header length " + b.headerLength);
            }
            if (b.refcountOrder > 6 || b.refcountOrder < 0) {
                throw new ImageFormatException(name + ": invalid refcount order " + b.refcountOrder);
            }
        }
        if (b.size < 0 || b.size > (1L << 61)) {
            throw new ImageFormatException(name + ": invalid virtual size " + b.size);
        }
        if (b.headerLength > V3_MIN_LENGTH) {
            ByteBuffer tail = ByteBuffer.allocate(b.headerLength - V3_MIN_LENGTH);
            storage.read(tail, V3_MIN_LENGTH);
            byte[] t = tail.array();
            b.compressionType = t[0] & 0xff;
            b.unknownTail = Arrays.copyOfRange(t, Math.min(8, t.length), t.length);
        }
        Header fields = b.build();
        fields.validateFeatures(name);
        fields.validateTables(name, fileSize);
        long extEnd = backingFileOffset != 0 ? Math.min(backingFileOffset, cs) : cs;
        b.extensions = HeaderExtensions.read(storage, b.headerLength, extEnd, name);
        if (backingFileOffset != 0) {
            if (backingFileSize > MAX_BACKING_NAME || backingFileSize < 0
                    || backingFileOffset > cs || backingFileOffset + backingFileSize > cs) {
                throw new ImageFormatException(name + ": invalid backing file name (offset " + backingFileOffset
                        + ", length " + backingFileSize + ")");
            }
            ByteBuffer n = ByteBuffer.allocate(backingFileSize);
            storage.read(n, backingFileOffset);
            b.backingFile = new String(n.array(), StandardCharsets.UTF_8);
        }
        return b.build();
    }

    private void validateFeatures(String name) throws IOException {
        if ((incompatible & ~INCOMPAT_KNOWN) != 0) {
            throw new UnsupportedFeatureException(name + ": unsupported qcow2 feature(s): "
                    + extensions.describeIncompatible(incompatible & ~INCOMPAT_KNOWN));
        }
        if (cryptMethod != 0) {
            throw new UnsupportedFeatureException(name + ": encrypted qcow2 images (" + (cryptMethod == 1 ? "AES" : cryptMethod == 2
                    ? "LUKS" : "method " + cryptMethod) + ") are not supported");
        }
        if (has(INCOMPAT_COMPRESSION)) {
            if (compressionType != 1) {
                throw new UnsupportedFeatureException(name + ": unknown compression type " + compressionType);
            }
        } else if (compressionType != 0) {
            throw new ImageFormatException(name + ": compression type " + compressionType
                    + " without the compression type feature bit");
        }
        if (extendedL2() && clusterBits < 14) {
            throw new ImageFormatException(name + ": extended L2 entries need clusters of at least 16 KiB");
        }
    }

    private void validateTables(String name, long fileSize) throws IOException {
        long cs = clusterSize();
        if (l1Size < 0 || (long) l1Size * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException(name + ": active L1 table too large (" + Integer.toUnsignedString(l1Size)
                    + " entries)");
        }
        long needed = Geometry.l1EntriesFor(size, clusterBits, extendedL2());
        if (l1Size < needed) {
            throw new ImageFormatException(name + ": L1 table is too small (" + l1Size
                    + " entries for a virtual size of " + size + ")");
        }
        checkTable(name, "L1 table", l1TableOffset, (long) l1Size * 8, cs, fileSize);
        if (refcountTableClusters <= 0 || (long) refcountTableClusters * cs > MAX_REFTABLE_BYTES) {
            throw new ImageFormatException(name + ": invalid reference count table size ("
                    + Integer.toUnsignedString(refcountTableClusters) + " clusters)");
        }
        checkTable(name, "reference count table", refcountTableOffset, (long) refcountTableClusters * cs, cs, fileSize);
        if (snapshotCount < 0 || snapshotCount > SnapshotTable.MAX_SNAPSHOTS) {
            throw new ImageFormatException(name + ": too many snapshots (" + Integer.toUnsignedString(snapshotCount)
                    + ")");
        }
        if (snapshotCount > 0) {
            checkTable(name, "snapshot table", snapshotsOffset, (long) snapshotCount * 40, cs, fileSize);
        }
    }

    static void checkTable(String name, String what, long offset, long length, long cs, long fileSize)
            throws ImageFormatException {
        if (length == 0) {
            return;
        }
        if (offset <= 0 || offset % cs != 0) {
            throw new ImageFormatException(name + ": invalid " + what + " offset " + offset);
        }
        if (offset > fileSize || length > fileSize - offset) {
            throw new ImageFormatException(name + ": " + what + " at offset " + offset + " (" + length
                    + " bytes) lies beyond the end of the file (" + fileSize + " bytes)");
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Encodes the header, its extensions and the backing file name as they go at the start of the first cluster.
     * Only {@link ImageFile#writeHeader} writes them.
     */
    byte[] encode() throws ImageFormatException {
        int len = version == 2 ? V2_LENGTH : headerLength;
        byte[] ext = extensions.encode(version);
        byte[] backing = backingFile == null ? new byte[0] : backingFile.getBytes(StandardCharsets.UTF_8);
        int total = len + ext.length + backing.length;
        if (total > clusterSize() && extensions.get(HeaderExtensions.FEATURE_TABLE) != null) {
            // The feature name table is only informational: it gives way to what must be recorded.
            return change(b -> b.extensions = extensions.with(HeaderExtensions.FEATURE_TABLE, null)).encode();
        }
        if (total > clusterSize()) {
            throw new ImageFormatException("qcow2 header, extensions and backing file name do not fit in one cluster");
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(MAGIC).putInt(version);
        b.putLong(backing.length == 0 ? 0 : len + ext.length).putInt(backing.length);
        b.putInt(clusterBits).putLong(size).putInt(cryptMethod);
        b.putInt(l1Size).putLong(l1TableOffset).putLong(refcountTableOffset).putInt(refcountTableClusters);
        b.putInt(snapshotCount).putLong(snapshotsOffset);
        if (version >= 3) {
            b.putLong(incompatible).putLong(compatible).putLong(autoclear).putInt(refcountOrder).putInt(headerLength);
            if (headerLength > V3_MIN_LENGTH) {
                b.put((byte) compressionType);
                b.position(V3_MIN_LENGTH + 8);
                b.put(unknownTail, 0, Math.min(unknownTail.length, headerLength - V3_MIN_LENGTH - 8));
            }
            b.position(len);
        }
        b.put(ext).put(backing);
        return b.array();
    }
}
