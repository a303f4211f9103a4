package org.strata.format.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The VDI header: VirtualBox's pre-header (text and signature) and header version 1.1, 512 little-endian bytes at
 * the start of the file. QEMU supports only this version, 512-byte sectors, 1 MiB blocks and images without a
 * parent; {@link #validate} refuses the rest with QEMU's words, in QEMU's order.
 *
 * @param diskSize        the guest size as recorded (VBoxManage may write one that is not a whole sector)
 * @param offsetBmap      where the block map starts (unsigned 32 bits)
 * @param offsetData      where data block 0 starts (unsigned 32 bits)
 * @param blocksInImage   entries in the block map (unsigned 32 bits)
 * @param blocksAllocated data blocks in use, so the next one allocated is this index (unsigned 32 bits)
 */
record Header(int signature, int version, int imageType, long offsetBmap, long offsetData, int sectorSize,
              long diskSize, int blockSize, long blocksInImage, long blocksAllocated, boolean hasLink,
              boolean hasParent) {

    static final int SIZE = 512;
    static final int SIGNATURE = 0xbeda107f;
    static final int VERSION_1_1 = 0x00010001;
    static final int TYPE_DYNAMIC = 1;
    static final int TYPE_STATIC = 2;
    static final int SECTOR_SIZE = 512;
    static final int BLOCK_SIZE = 1 << 20;
    /** QEMU's limit: the block map, rounded up to a sector, must fit in a signed 32-bit length. */
    static final long MAX_BLOCKS = (Integer.MAX_VALUE + 1L - SECTOR_SIZE) / 4;
    static final long MAX_DISK_SIZE = MAX_BLOCKS * BLOCK_SIZE;

    /** QEMU's text; VirtualBox writes its own name here, and the value does not matter. */
    private static final String TEXT = "<<< QEMU VM Virtual Disk Image >>>\n";

    static final int SIGNATURE_AT = 0x40;
    private static final int VERSION_AT = 0x44;
    private static final int HEADER_SIZE_AT = 0x48;
    private static final int TYPE_AT = 0x4c;
    private static final int OFFSET_BMAP_AT = 0x154;
    private static final int OFFSET_DATA_AT = 0x158;
    private static final int SECTOR_SIZE_AT = 0x168;
    private static final int DISK_SIZE_AT = 0x170;
    private static final int BLOCK_SIZE_AT = 0x178;
    private static final int BLOCKS_AT = 0x180;
    static final int ALLOCATED_AT = 0x184;
    private static final int UUID_IMAGE_AT = 0x188;
    private static final int UUID_SNAP_AT = 0x198;
    private static final int UUID_LINK_AT = 0x1a8;
    private static final int UUID_PARENT_AT = 0x1b8;
    /** The header fields VirtualBox counts (its pre-header excluded). */
    private static final int V1_1_HEADER_SIZE = 0x180;

    /** Reads the header; bytes past the end of a short file read as zeroes, as in QEMU. */
    static Header read(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        storage.read(b, 0);
        return new Header(b.getInt(SIGNATURE_AT), b.getInt(VERSION_AT), b.getInt(TYPE_AT), u32(b, OFFSET_BMAP_AT),
                u32(b, OFFSET_DATA_AT), b.getInt(SECTOR_SIZE_AT), b.getLong(DISK_SIZE_AT), b.getInt(BLOCK_SIZE_AT),
                u32(b, BLOCKS_AT), u32(b, ALLOCATED_AT), !isNull(b, UUID_LINK_AT), !isNull(b, UUID_PARENT_AT));
    }

    private static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }

    private static boolean isNull(ByteBuffer b, int at) {
        return b.getLong(at) == 0 && b.getLong(at + 8) == 0;
    }

    /** Refuses what QEMU refuses to open, with its message; the checks run in QEMU's order. */
    Header validate() throws ImageFormatException {
        if (Long.compareUnsigned(diskSize, MAX_DISK_SIZE) > 0) {
            throw unsupported(String.format("Unsupported VDI image size (size is 0x%x, max supported is 0x%x)",
                    diskSize, MAX_DISK_SIZE));
        }
        if (signature != SIGNATURE) {
            throw new ImageFormatException(String.format("Image not in VDI format (bad signature %08x)", signature));
        } else if (version != VERSION_1_1) {
            throw unsupported("unsupported VDI image (version " + (version >>> 16) + "." + (version & 0xffff) + ")");
        } else if (offsetBmap % SECTOR_SIZE != 0) {
            throw unsupported(String.format("unsupported VDI image (unaligned block map offset 0x%x)", offsetBmap));
        } else if (offsetData % SECTOR_SIZE != 0) {
            throw unsupported(String.format("unsupported VDI image (unaligned data offset 0x%x)", offsetData));
        } else if (sectorSize != SECTOR_SIZE) {
            throw unsupported("unsupported VDI image (sector size " + Integer.toUnsignedString(sectorSize)
                    + " is not " + SECTOR_SIZE + ")");
        } else if (blockSize != BLOCK_SIZE) {
            throw unsupported("unsupported VDI image (block size " + Integer.toUnsignedString(blockSize)
                    + " is not " + BLOCK_SIZE + ")");
        } else if (guestSize() > blocksInImage * BLOCK_SIZE) {
            throw unsupported("unsupported VDI image (disk size " + guestSize() + ", image bitmap has room for "
                    + blocksInImage * BLOCK_SIZE + ")");
        } else if (hasLink) {
            throw unsupported("unsupported VDI image (non-NULL link UUID)");
        } else if (hasParent) {
            throw unsupported("unsupported VDI image (non-NULL parent UUID)");
        } else if (blocksInImage > MAX_BLOCKS) {
            throw unsupported("unsupported VDI image (too many blocks " + blocksInImage + ", max is " + MAX_BLOCKS
                    + ")");
        }
        return this;
    }

    private static ImageFormatException unsupported(String message) {
        return new ImageFormatException(message);
    }

    /** The guest-visible size: the recorded one rounded up to a whole sector, as QEMU reads it. */
    long guestSize() {
        return (diskSize + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
    }

    boolean isStatic() {
        return imageType == TYPE_STATIC;
    }

    /** Where the block map ends (its entries, not the rest of its last sector). */
    long bmapEnd() {
        return offsetBmap + blocksInImage * 4;
    }

    /** The host offset of data block {@code index}. */
    long blockOffset(long index) {
        return offsetData + index * BLOCK_SIZE;
    }

    /**
     * A new image's header as QEMU writes it: its text, version 1.1, the block map right after the header,
     * then the data, and two fresh UUIDs (the image's and its last snapshot's).
     */
    static ByteBuffer forNewImage(long guestSize, boolean isStatic) {
        long blocks = blocksFor(guestSize);
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(TEXT.getBytes(StandardCharsets.US_ASCII));
        b.putInt(SIGNATURE_AT, SIGNATURE);
        b.putInt(VERSION_AT, VERSION_1_1);
        b.putInt(HEADER_SIZE_AT, V1_1_HEADER_SIZE);
        b.putInt(TYPE_AT, isStatic ? TYPE_STATIC : TYPE_DYNAMIC);
        b.putInt(OFFSET_BMAP_AT, SIZE);
        b.putInt(OFFSET_DATA_AT, (int) (SIZE + bmapBytes(blocks)));
        b.putInt(SECTOR_SIZE_AT, SECTOR_SIZE);
        b.putLong(DISK_SIZE_AT, guestSize);
        b.putInt(BLOCK_SIZE_AT, BLOCK_SIZE);
        b.putInt(BLOCKS_AT, (int) blocks);
        b.putInt(ALLOCATED_AT, isStatic ? (int) blocks : 0);
        putUuid(b, UUID_IMAGE_AT, UUID.randomUUID());
        putUuid(b, UUID_SNAP_AT, UUID.randomUUID());
        return b.clear();
    }

    static long blocksFor(long guestSize) {
        return (guestSize + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    /** The block map's size in the file: its entries rounded up to a whole sector. */
    static long bmapBytes(long blocks) {
        return (blocks * 4 + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
    }

    /** VirtualBox stores a UUID's first three fields little-endian (QEMU swaps them from RFC 4122 order). */
    private static void putUuid(ByteBuffer b, int at, UUID uuid) {
        long msb = uuid.getMostSignificantBits();
        b.putInt(at, (int) (msb >>> 32));
        b.putShort(at + 4, (short) (msb >>> 16));
        b.putShort(at + 6, (short) msb);
        b.order(ByteOrder.BIG_ENDIAN).putLong(at + 8, uuid.getLeastSignificantBits()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Records {@code count} data blocks in use. */
    static void writeAllocated(Storage storage, long count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) count);
        storage.write(b, ALLOCATED_AT);
    }
}
