package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The metadata region: a 64 KiB table of items, then the items. Five are required: file parameters (block size,
 * fixed or dynamic, has a parent), virtual disk size, page 83 data, logical and physical sector size. A parent
 * locator makes a differencing image, which QEMU 7.2 does not open, and neither does Strata.
 */
final class Metadata {

    static final Guid FILE_PARAMETERS = Guid.of("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    static final Guid VIRTUAL_DISK_SIZE = Guid.of("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    static final Guid PAGE_83 = Guid.of("BECA12AB-B2E6-4523-93EF-C309E000C746");
    static final Guid LOGICAL_SECTOR_SIZE = Guid.of("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    static final Guid PHYSICAL_SECTOR_SIZE = Guid.of("CDA348C7-445D-4471-9CC9-E9885251C556");
    static final Guid PARENT_LOCATOR = Guid.of("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    private static final List<Guid> REQUIRED_ITEMS = List.of(FILE_PARAMETERS, VIRTUAL_DISK_SIZE, PAGE_83,
            LOGICAL_SECTOR_SIZE, PHYSICAL_SECTOR_SIZE);
    private static final long SIGNATURE = Layout.signature8("metadata");
    private static final int ENTRY = 32;
    private static final int ITEM_REQUIRED = 4;
    private static final int ITEM_VIRTUAL_DISK = 2;
    static final int LEAVE_BLOCKS_ALLOCATED = 1;
    static final int HAS_PARENT = 2;

    final long blockSize;
    final int fileFlags;
    final long virtualSize;
    final int logicalSectorSize;
    final int physicalSectorSize;
    /** Where in the file the virtual disk size item lies (a resize rewrites it). */
    final long virtualSizeOffset;

    private Metadata(long blockSize, int fileFlags, long virtualSize, int logicalSectorSize,
                     int physicalSectorSize, long virtualSizeOffset) {
        this.blockSize = blockSize;
        this.fileFlags = fileFlags;
        this.virtualSize = virtualSize;
        this.logicalSectorSize = logicalSectorSize;
        this.physicalSectorSize = physicalSectorSize;
        this.virtualSizeOffset = virtualSizeOffset;
    }

    /** Fixed images keep every block allocated. */
    boolean leaveBlocksAllocated() {
        return (fileFlags & LEAVE_BLOCKS_ALLOCATED) != 0;
    }

    static Metadata read(Storage file, RegionTable.Region region, String name) throws IOException {
        ByteBuffer t = Layout.buffer(Layout.TABLE_SIZE);
        file.read(t, region.offset());
        if (t.getLong(0) != SIGNATURE) {
            throw new ImageFormatException(name + ": invalid VHDX metadata table (bad signature)");
        }
        int count = Short.toUnsignedInt(t.getShort(10));
        if ((long) (count + 1) * ENTRY > Layout.TABLE_SIZE) {
            throw new ImageFormatException(name + ": VHDX metadata table has too many entries (" + count + ")");
        }
        Map<Guid, Long> items = new HashMap<>();
        for (int i = 0; i < count; i++) {
            int at = ENTRY * (i + 1);
            Guid id = Guid.read(t, at);
            long offset = Integer.toUnsignedLong(t.getInt(at + 16));
            if (REQUIRED_ITEMS.contains(id) || id.equals(PARENT_LOCATOR)) {
                if (items.put(id, offset) != null) {
                    throw new ImageFormatException(name + ": VHDX metadata item " + id + " appears twice");
                }
                if (offset + 8 > region.length()) { // every item read is at most 8 bytes
                    throw new ImageFormatException(name + ": VHDX metadata item " + id
                            + " lies outside the metadata region");
                }
            } else if ((t.getInt(at + 24) & ITEM_REQUIRED) != 0) {
                throw new UnsupportedFeatureException(name + ": VHDX metadata item " + id
                        + " is required but not supported");
            }
        }
        for (Guid id : REQUIRED_ITEMS) {
            if (!items.containsKey(id)) {
                throw new UnsupportedFeatureException(name + ": VHDX metadata item " + id + " is missing");
            }
        }
        ByteBuffer params = item(file, region, items, FILE_PARAMETERS, 8);
        long blockSize = Integer.toUnsignedLong(params.getInt(0));
        int flags = params.getInt(4);
        if ((flags & HAS_PARENT) != 0) {
            if (items.containsKey(PARENT_LOCATOR)) {
                throw new UnsupportedFeatureException(name + ": VHDX differencing images (with a parent) are not"
                        + " supported");
            }
            throw new ImageFormatException(name + ": VHDX image has a parent but no parent locator");
        }
        long size = item(file, region, items, VIRTUAL_DISK_SIZE, 8).getLong(0);
        int logical = item(file, region, items, LOGICAL_SECTOR_SIZE, 4).getInt(0);
        int physical = item(file, region, items, PHYSICAL_SECTOR_SIZE, 4).getInt(0);
        if (blockSize < Layout.MIN_BLOCK_SIZE || blockSize > Layout.MAX_BLOCK_SIZE || Long.bitCount(blockSize) != 1) {
            throw new ImageFormatException(name + ": invalid VHDX block size " + blockSize
                    + " (a power of two from 1 MiB to 256 MiB)");
        }
        if (logical != 512 && logical != 4096) {
            throw new UnsupportedFeatureException(name + ": VHDX logical sector size " + Integer.toUnsignedString(
                    logical) + " is not supported (512 or 4096)");
        }
        if (Long.compareUnsigned(size, Layout.MAX_VIRTUAL_SIZE) > 0) {
            throw new ImageFormatException(name + ": VHDX virtual disk size " + Long.toUnsignedString(size)
                    + " exceeds the maximum of 64 TiB");
        }
        return new Metadata(blockSize, flags, size, logical, physical,
                region.offset() + items.get(VIRTUAL_DISK_SIZE));
    }

    private static ByteBuffer item(Storage file, RegionTable.Region region, Map<Guid, Long> items, Guid id, int size)
            throws IOException {
        ByteBuffer b = Layout.buffer(size);
        file.read(b, region.offset() + items.get(id));
        return b.clear();
    }

    /** A new image's metadata region: the table, then the five items from 64 KiB on, as QEMU lays them out. */
    static ByteBuffer create(long blockSize, boolean fixed, long virtualSize, int sectorSize) {
        ByteBuffer b = Layout.buffer(Layout.TABLE_SIZE + 40);
        b.putLong(0, SIGNATURE).putShort(10, (short) REQUIRED_ITEMS.size());
        int[] lengths = {8, 8, 16, 4, 4};
        int offset = Layout.TABLE_SIZE;
        for (int i = 0; i < REQUIRED_ITEMS.size(); i++) {
            int at = ENTRY * (i + 1);
            REQUIRED_ITEMS.get(i).write(b, at);
            b.putInt(at + 16, offset).putInt(at + 20, lengths[i])
                    .putInt(at + 24, ITEM_REQUIRED | (i == 0 ? 0 : ITEM_VIRTUAL_DISK));
            offset += lengths[i];
        }
        int items = Layout.TABLE_SIZE;
        b.putInt(items, (int) blockSize).putInt(items + 4, fixed ? LEAVE_BLOCKS_ALLOCATED : 0);
        b.putLong(items + 8, virtualSize);
        Guid.random().write(b, items + 16);
        b.putInt(items + 32, sectorSize).putInt(items + 36, sectorSize);
        return b;
    }
}
