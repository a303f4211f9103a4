package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The header of a sparse extent: a hosted sparse extent ({@code KDMV}, VMware Virtual Disk Format 1.1, with its
 * footer when the grain directory is at the end) or an ESX 2 sparse extent ({@code COWD}), reduced to what reading
 * and writing need, and checked with QEMU's rules and messages. All offsets are in sectors as on disk, except where
 * a name says bytes.
 */
final class SparseHeader {

    static final int VMDK4_MAGIC = 0x4b444d56; // "KDMV"
    static final int VMDK3_MAGIC = 0x434f5744; // "COWD"
    /** Bytes of a KDMV header after the magic, as QEMU lays it out. */
    static final int VMDK4_LENGTH = 75;

    static final int FLAG_NL_DETECT = 1;
    static final int FLAG_RGD = 1 << 1;
    static final int FLAG_ZERO_GRAIN = 1 << 2;
    static final int FLAG_COMPRESS = 1 << 16;
    static final int FLAG_MARKER = 1 << 17;
    static final int COMPRESSION_DEFLATE = 1;
    static final long GD_AT_END = -1L;
    /** Stream marker types (VMware Virtual Disk Format 1.1, stream-optimized extents). */
    static final int MARKER_END_OF_STREAM = 0;
    static final int MARKER_FOOTER = 3;

    /** QEMU's limits: a grain of 1 GiB and 32 Mi grain directory entries are already unrealistic. */
    static final long MAX_GRAIN_SECTORS = 0x200000;
    static final long MAX_GD_ENTRIES = 32L * 1024 * 1024;
    /** ESX 2 sparse extents have grain tables of 4096 entries. */
    static final int VMDK3_GT_ENTRIES = 4096;

    int version;
    int flags;
    /** The extent's size in sectors. */
    long capacity;
    long grainSectors;
    long descOffset;
    long descSize;
    int gtEntries;
    long rgdOffset;
    long gdOffset;
    long grainOffset;
    int compressAlgorithm;
    /** Grain directory entries (QEMU's L1 size). */
    long gdEntries;
    /** Sectors one grain table covers (a 32-bit number in QEMU, as here). */
    long sectorsPerGt;
    boolean cowd;
    /** Whether the header came from the footer (the grain directory lies at the end, as VMware streams it). */
    boolean fromFooter;

    boolean compressed() {
        return compressAlgorithm == COMPRESSION_DEFLATE;
    }

    boolean hasMarkers() {
        return (flags & FLAG_MARKER) != 0;
    }

    boolean hasZeroGrains() {
        return (flags & FLAG_ZERO_GRAIN) != 0;
    }

    /** The backup (redundant) grain directory in bytes, or 0 when there is none. */
    long rgdBytes() {
        return !cowd && (flags & FLAG_RGD) != 0 ? rgdOffset << 9 : 0;
    }

    long gdBytes() {
        return gdOffset << 9;
    }

    long grainBytes() {
        return grainSectors * 512;
    }

    /** Whether the header says "I am only a descriptor" (a KDMV file of capacity 0 whose descriptor names extents). */
    boolean isDescriptorOnly() {
        return !cowd && capacity == 0 && descOffset != 0;
    }

    /**
     * The magic of the storage's first four bytes (big-endian, as QEMU compares it); 0 for a shorter file, which
     * QEMU 7.2 then reads as a descriptor.
     */
    static int magic(Storage s) throws IOException {
        if (s.size() < 4) {
            return 0;
        }
        ByteBuffer b = ByteBuffer.allocate(4);
        s.read(b, 0);
        return b.getInt(0);
    }

    /**
     * Reads the header of a sparse extent whose magic is {@code magic}, and checks it as QEMU does before opening
     * the extent (except a descriptor-only KDMV file, which the caller handles).
     *
     * @param writable whether the extent is opened for writing (version 3 without compression is read-only)
     */
    static SparseHeader read(Storage s, int magic, boolean writable) throws IOException {
        SparseHeader h = magic == VMDK3_MAGIC ? readCowd(s) : readKdmv(s);
        if (!h.isDescriptorOnly()) {
            h.check(s, writable);
        }
        return h;
    }

    private static SparseHeader readCowd(Storage s) throws IOException {
        ByteBuffer b = read(s, 4, 40);
        SparseHeader h = new SparseHeader();
        h.cowd = true;
        h.version = b.getInt(0);
        h.flags = b.getInt(4);
        h.capacity = Integer.toUnsignedLong(b.getInt(8));
        h.grainSectors = Integer.toUnsignedLong(b.getInt(12));
        h.gdOffset = Integer.toUnsignedLong(b.getInt(16));
        h.gdEntries = Integer.toUnsignedLong(b.getInt(20));
        h.gtEntries = VMDK3_GT_ENTRIES;
        h.sectorsPerGt = (VMDK3_GT_ENTRIES * h.grainSectors) & 0xffffffffL;
        return h;
    }

    private static SparseHeader readKdmv(Storage s) throws IOException {
        SparseHeader h = decodeKdmv(read(s, 4, VMDK4_LENGTH));
        if (!h.isDescriptorOnly() && h.gdOffset == GD_AT_END) {
            h = footer(s);
        }
        long granularity = h.grainSectors;
        h.sectorsPerGt = (Integer.toUnsignedLong(h.gtEntries) * granularity) & 0xffffffffL;
        if (h.sectorsPerGt != 0) {
            // (capacity + per GT - 1) / per GT, in QEMU's unsigned 64-bit arithmetic, kept to 32 bits as QEMU does
            h.gdEntries = Long.divideUnsigned(h.capacity + h.sectorsPerGt - 1, h.sectorsPerGt) & 0xffffffffL;
        }
        return h;
    }

    /** The header copy in the footer: 1536 bytes before the end are the footer marker, the header and end-of-stream. */
    private static SparseHeader footer(Storage s) throws IOException {
        long end = (s.size() + 511) / 512 * 512;
        if (end < 1536) {
            throw new ImageFormatException(s.location() + ": Failed to read footer");
        }
        ByteBuffer f = read(s, end - 1536, 1536);
        boolean valid = f.order(ByteOrder.BIG_ENDIAN).getInt(512) == VMDK4_MAGIC;
        f.order(ByteOrder.LITTLE_ENDIAN);
        valid &= f.getInt(8) == 0 && f.getInt(12) == MARKER_FOOTER
                && f.getLong(1024) == 0 && f.getInt(1032) == 0 && f.getInt(1036) == MARKER_END_OF_STREAM;
        if (!valid) {
            throw new ImageFormatException(s.location() + ": Invalid footer");
        }
        SparseHeader h = decodeKdmv(f.slice(516, VMDK4_LENGTH).order(ByteOrder.LITTLE_ENDIAN));
        h.fromFooter = true;
        return h;
    }

    private static SparseHeader decodeKdmv(ByteBuffer b) {
        SparseHeader h = new SparseHeader();
        h.version = b.getInt(0);
        h.flags = b.getInt(4);
        h.capacity = b.getLong(8);
        h.grainSectors = b.getLong(16);
        h.descOffset = b.getLong(24);
        h.descSize = b.getLong(32);
        h.gtEntries = b.getInt(40);
        h.rgdOffset = b.getLong(44);
        h.gdOffset = b.getLong(52);
        h.grainOffset = b.getLong(60);
        h.compressAlgorithm = Short.toUnsignedInt(b.getShort(73));
        return h;
    }

    /** QEMU's checks, in its order and with its messages. */
    private void check(Storage s, boolean writable) throws IOException {
        String name = s.location();
        if (!cowd) {
            if (Integer.compareUnsigned(version, 3) > 0) {
                throw new UnsupportedFeatureException(name + ": Unsupported VMDK version "
                        + Integer.toUnsignedString(version));
            }
            if (version == 3 && writable && !compressed()) {
                throw new ImageFormatException(name + ": VMDK version 3 must be read only");
            }
            if (Integer.compareUnsigned(gtEntries, 512) > 0) {
                throw new ImageFormatException(name + ": L2 table size too big");
            }
            if (sectorsPerGt == 0) {
                throw new ImageFormatException(name + ": L1 entry size is invalid");
            }
            long fileSectors = (s.size() + 511) / 512;
            if (Long.compareUnsigned(fileSectors, grainOffset) < 0) {
                throw new ImageFormatException(name + ": File truncated, expecting at least "
                        + (grainOffset << 9) + " bytes");
            }
        }
        if (Long.compareUnsigned(grainSectors, MAX_GRAIN_SECTORS) > 0) {
            throw new ImageFormatException(name + ": Invalid granularity, image may be corrupt");
        }
        if (Long.compareUnsigned(gdEntries, MAX_GD_ENTRIES) > 0) {
            throw new ImageFormatException(name + ": L1 size too big");
        }
        if (cowd && sectorsPerGt == 0) {
            // QEMU would divide by zero here
            throw new ImageFormatException(name + ": L1 entry size is invalid");
        }
        if (capacity < 0 || capacity > Long.MAX_VALUE / 512) {
            throw new ImageFormatException(name + ": Could not refresh total sector count: File too large");
        }
        // the table offsets in bytes wrap around as QEMU's 64-bit shifts do; reading must stay in the int64 range
        if (gdBytes() < 0 || gdBytes() > Long.MAX_VALUE - gdEntries * 4) {
            throw new ImageFormatException(name + ": Could not read l1 table from extent '" + name
                    + "': Invalid argument");
        }
        long rgd = rgdBytes();
        if (rgd < 0 || rgd > Long.MAX_VALUE - gdEntries * 4) {
            throw new ImageFormatException(name + ": Could not read l1 backup table from extent '" + name
                    + "': Invalid argument");
        }
    }

    private static ByteBuffer read(Storage s, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        s.read(b, offset);
        return b.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The layout qemu-img gives a new sparse extent of {@code sectors}: 64 KiB grains, 512-entry grain tables. */
    static SparseHeader forNew(long sectors, boolean compressed, boolean zeroGrains) {
        SparseHeader h = new SparseHeader();
        h.version = compressed ? 3 : zeroGrains ? 2 : 1;
        h.flags = FLAG_RGD | FLAG_NL_DETECT | (compressed ? FLAG_COMPRESS | FLAG_MARKER : 0)
                | (zeroGrains ? FLAG_ZERO_GRAIN : 0);
        h.compressAlgorithm = compressed ? COMPRESSION_DEFLATE : 0;
        h.capacity = sectors;
        h.grainSectors = 128;
        h.gtEntries = 512;
        long grains = (sectors + h.grainSectors - 1) / h.grainSectors;
        long gtCount = (grains + h.gtEntries - 1) / h.gtEntries;
        long gdSectors = (gtCount * 4 + 511) / 512;
        long tables = gtSectors(h) * gtCount;
        h.descOffset = 1;
        h.descSize = 20;
        h.rgdOffset = h.descOffset + h.descSize;
        h.gdOffset = h.rgdOffset + gdSectors + tables;
        h.grainOffset = (h.gdOffset + gdSectors + tables + h.grainSectors - 1) / h.grainSectors * h.grainSectors;
        h.gdEntries = gtCount;
        h.sectorsPerGt = h.gtEntries * h.grainSectors;
        return h;
    }

    /** Sectors of one grain table. */
    static long gtSectors(SparseHeader h) {
        return (h.gtEntries * 4L + 511) / 512;
    }

    /** Sectors of the grain directory. */
    long gdSectors() {
        return (gdEntries * 4 + 511) / 512;
    }

    /** The magic and the header, as the first bytes of the extent. */
    ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(4 + VMDK4_LENGTH);
        b.order(ByteOrder.BIG_ENDIAN).putInt(VMDK4_MAGIC);
        b.order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(version).putInt(flags).putLong(capacity).putLong(grainSectors).putLong(descOffset)
                .putLong(descSize).putInt(gtEntries).putLong(rgdOffset).putLong(gdOffset).putLong(grainOffset);
        b.put((byte) 0).put(new byte[] {'\n', ' ', '\r', '\n'}).putShort((short) compressAlgorithm);
        return b.flip();
    }
}
