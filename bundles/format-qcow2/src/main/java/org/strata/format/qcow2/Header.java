package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The qcow2 header (docs/interop/qcow2.rst, "Header"): the fixed fields, the header extensions and the backing
 * file name, all in the first cluster. Parsing bounds every field before anything is sized by it.
 */
final class Header {

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

    int version;
    long backingFileOffset;
    int backingFileSize;
    int clusterBits;
    long size;
    int cryptMethod;
    int l1Size;
    long l1TableOffset;
    long refcountTableOffset;
    int refcountTableClusters;
    int nbSnapshots;
    long snapshotsOffset;
    long incompatible;
    long compatible;
    long autoclear;
    int refcountOrder = 4;
    int headerLength;
    int compressionType;
    /** Header bytes past the compression type that this version does not know, kept as they are. */
    byte[] unknownTail = new byte[0];

    String backingFile;
    final HeaderExtensions extensions = new HeaderExtensions();

    long clusterSize() {
        return 1L << clusterBits;
    }

    int refcountBits() {
        return 1 << refcountOrder;
    }

    boolean has(long incompatBit) {
        return (incompatible & incompatBit) != 0;
    }

    Header copy() {
        Header h = new Header();
        h.version = version;
        h.backingFileOffset = backingFileOffset;
        h.backingFileSize = backingFileSize;
        h.clusterBits = clusterBits;
        h.size = size;
        h.cryptMethod = cryptMethod;
        h.l1Size = l1Size;
        h.l1TableOffset = l1TableOffset;
        h.refcountTableOffset = refcountTableOffset;
        h.refcountTableClusters = refcountTableClusters;
        h.nbSnapshots = nbSnapshots;
        h.snapshotsOffset = snapshotsOffset;
        h.incompatible = incompatible;
        h.compatible = compatible;
        h.autoclear = autoclear;
        h.refcountOrder = refcountOrder;
        h.headerLength = headerLength;
        h.compressionType = compressionType;
        h.unknownTail = unknownTail.clone();
        h.backingFile = backingFile;
        h.extensions.copyFrom(extensions);
        return h;
    }

    /** Reads and validates the header of {@code storage}. */
    static Header read(Storage storage) throws IOException {
        String name = storage.location();
        long fileSize = storage.size();
        if (fileSize < V2_LENGTH) {
            throw new ImageFormatException(name + ": truncated qcow2 header (" + fileSize + " bytes)");
        }
        ByteBuffer fixed = ByteBuffer.allocate(V3_MIN_LENGTH);
        storage.read(fixed, 0);
        fixed.flip();
        Header h = new Header();
        if (fixed.getInt(0) != MAGIC) {
            throw new ImageFormatException(name + ": not a qcow2 image (bad magic)");
        }
        h.version = fixed.getInt(4);
        if (h.version != 2 && h.version != 3) {
            throw new UnsupportedFeatureException(name + ": unsupported qcow2 version " + h.version);
        }
        h.backingFileOffset = fixed.getLong(8);
        h.backingFileSize = fixed.getInt(16);
        h.clusterBits = fixed.getInt(20);
        h.size = fixed.getLong(24);
        h.cryptMethod = fixed.getInt(32);
        h.l1Size = fixed.getInt(36);
        h.l1TableOffset = fixed.getLong(40);
        h.refcountTableOffset = fixed.getLong(48);
        h.refcountTableClusters = fixed.getInt(56);
        h.nbSnapshots = fixed.getInt(60);
        h.snapshotsOffset = fixed.getLong(64);
        if (h.clusterBits < MIN_CLUSTER_BITS || h.clusterBits > MAX_CLUSTER_BITS) {
            throw new ImageFormatException(name + ": unsupported cluster size: 2^" + h.clusterBits);
        }
        long cs = h.clusterSize();
        if (h.version == 2) {
            h.headerLength = V2_LENGTH;
        } else {
            if (fileSize < V3_MIN_LENGTH) {
                throw new ImageFormatException(name + ": truncated qcow2 version 3 header");
            }
            h.incompatible = fixed.getLong(72);
            h.compatible = fixed.getLong(80);
            h.autoclear = fixed.getLong(88);
            h.refcountOrder = fixed.getInt(96);
            h.headerLength = fixed.getInt(100);
            if (h.headerLength < V3_MIN_LENGTH || h.headerLength > cs || h.headerLength % 8 != 0) {
                throw new ImageFormatException(name + ": invalid qcow2 header length " + h.headerLength);
            }
            if (h.refcountOrder > 6 || h.refcountOrder < 0) {
                throw new ImageFormatException(name + ": invalid refcount order " + h.refcountOrder);
            }
        }
        if (h.size < 0 || h.size > (1L << 61)) {
            throw new ImageFormatException(name + ": invalid virtual size " + h.size);
        }
        if (h.headerLength > V3_MIN_LENGTH) {
            ByteBuffer tail = ByteBuffer.allocate(h.headerLength - V3_MIN_LENGTH);
            storage.read(tail, V3_MIN_LENGTH);
            byte[] t = tail.array();
            h.compressionType = t[0] & 0xff;
            h.unknownTail = java.util.Arrays.copyOfRange(t, Math.min(8, t.length), t.length);
        }
        h.validateFeatures(name);
        h.validateTables(name, fileSize);
        long extEnd = h.backingFileOffset != 0 ? Math.min(h.backingFileOffset, cs) : cs;
        h.extensions.read(storage, h.headerLength, extEnd, name);
        if (h.backingFileOffset != 0) {
            if (h.backingFileSize > MAX_BACKING_NAME || h.backingFileSize < 0
                    || h.backingFileOffset > cs || h.backingFileOffset + h.backingFileSize > cs) {
                throw new ImageFormatException(name + ": invalid backing file name (offset " + h.backingFileOffset
                        + ", length " + h.backingFileSize + ")");
            }
            ByteBuffer b = ByteBuffer.allocate(h.backingFileSize);
            storage.read(b, h.backingFileOffset);
            h.backingFile = new String(b.array(), StandardCharsets.UTF_8);
        }
        return h;
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
        if (has(INCOMPAT_EXTL2) && clusterBits < 14) {
            throw new ImageFormatException(name + ": extended L2 entries need clusters of at least 16 KiB");
        }
    }

    private void validateTables(String name, long fileSize) throws IOException {
        long cs = clusterSize();
        if (l1Size < 0 || (long) l1Size * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException(name + ": active L1 table too large (" + Integer.toUnsignedString(l1Size)
                    + " entries)");
        }
        long needed = Geometry.l1EntriesFor(size, clusterBits, has(INCOMPAT_EXTL2));
        if (l1Size < needed) {
            throw new ImageFormatException(name + ": L1 table is too small (" + l1Size + " entries for a virtual size of "
                    + size + ")");
        }
        checkTable(name, "L1 table", l1TableOffset, (long) l1Size * 8, cs, fileSize);
        if (refcountTableClusters <= 0 || (long) refcountTableClusters * cs > MAX_REFTABLE_BYTES) {
            throw new ImageFormatException(name + ": invalid reference count table size ("
                    + Integer.toUnsignedString(refcountTableClusters) + " clusters)");
        }
        checkTable(name, "reference count table", refcountTableOffset, (long) refcountTableClusters * cs, cs, fileSize);
        if (nbSnapshots < 0 || nbSnapshots > SnapshotTable.MAX_SNAPSHOTS) {
            throw new ImageFormatException(name + ": too many snapshots (" + Integer.toUnsignedString(nbSnapshots) + ")");
        }
        if (nbSnapshots > 0) {
            checkTable(name, "snapshot table", snapshotsOffset, (long) nbSnapshots * 40, cs, fileSize);
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

    /**
     * Encodes the header, its extensions and the backing file name as they go at the start of the first cluster.
     */
    byte[] encode() throws ImageFormatException {
        int len = version == 2 ? V2_LENGTH : headerLength;
        byte[] ext = extensions.encode(version);
        byte[] backing = backingFile == null ? new byte[0] : backingFile.getBytes(StandardCharsets.UTF_8);
        int total = len + ext.length + backing.length;
        if (total > clusterSize() && extensions.get(HeaderExtensions.FEATURE_TABLE) != null) {
            // The feature name table is only informational: it gives way to what must be recorded.
            extensions.set(HeaderExtensions.FEATURE_TABLE, null);
            return encode();
        }
        if (total > clusterSize()) {
            throw new ImageFormatException("qcow2 header, extensions and backing file name do not fit in one cluster");
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(MAGIC).putInt(version);
        backingFileOffset = backing.length == 0 ? 0 : len + ext.length;
        backingFileSize = backing.length;
        b.putLong(backingFileOffset).putInt(backingFileSize).putInt(clusterBits).putLong(size).putInt(cryptMethod);
        b.putInt(l1Size).putLong(l1TableOffset).putLong(refcountTableOffset).putInt(refcountTableClusters);
        b.putInt(nbSnapshots).putLong(snapshotsOffset);
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

    /** Writes the whole header area (fixed fields, extensions, backing name) in place. */
    void write(Storage storage) throws IOException {
        storage.write(ByteBuffer.wrap(encode()), 0);
    }
}
