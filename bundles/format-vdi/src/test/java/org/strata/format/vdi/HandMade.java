package org.strata.format.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A VDI image built field by field from the layout VirtualBox documents (independently of the driver's code),
 * for the images QEMU never writes: other layouts, broken and hostile headers and block maps.
 */
final class HandMade {

    static final int SIGNATURE = 0x40;
    static final int VERSION = 0x44;
    static final int HEADER_SIZE = 0x48;
    static final int TYPE = 0x4c;
    static final int OFFSET_BMAP = 0x154;
    static final int OFFSET_DATA = 0x158;
    static final int SECTOR_SIZE = 0x168;
    static final int DISK_SIZE = 0x170;
    static final int BLOCK_SIZE = 0x178;
    static final int BLOCKS = 0x180;
    static final int ALLOCATED = 0x184;
    static final int UUID_LINK = 0x1a8;
    static final int UUID_PARENT = 0x1b8;
    static final int MIB = 1 << 20;

    final ByteBuffer header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    int[] bmap;
    private final Map<Integer, Byte> dataBlocks = new LinkedHashMap<>();
    private long truncateTo = -1;

    /** A dynamic image of {@code blocks} unallocated blocks, the map at 0x200 and the data right after it. */
    HandMade(int blocks) {
        header.put("<<< Oracle VM VirtualBox Disk Image >>>\n".getBytes(StandardCharsets.US_ASCII));
        header.putInt(SIGNATURE, 0xbeda107f).putInt(VERSION, 0x00010001).putInt(HEADER_SIZE, 0x190)
                .putInt(TYPE, 1).putInt(OFFSET_BMAP, 0x200).putInt(OFFSET_DATA, 0x200 + (blocks * 4 + 511) / 512 * 512)
                .putInt(SECTOR_SIZE, 512).putLong(DISK_SIZE, (long) blocks * MIB).putInt(BLOCK_SIZE, MIB)
                .putInt(BLOCKS, blocks);
        bmap = new int[blocks];
        Arrays.fill(bmap, -1);
    }

    HandMade set(int at, int value) {
        header.putInt(at, value);
        return this;
    }

    HandMade setLong(int at, long value) {
        header.putLong(at, value);
        return this;
    }

    /** Maps guest block {@code block} to data block {@code index}, filled with {@code fill} when it is written. */
    HandMade map(int block, int index, int fill) {
        bmap[block] = index;
        dataBlocks.put(index, (byte) fill);
        return this;
    }

    /** Counts the blocks in use in the header. */
    HandMade allocated(int count) {
        return set(ALLOCATED, count);
    }

    /** Cuts the file at {@code length} bytes. */
    HandMade truncate(long length) {
        truncateTo = length;
        return this;
    }

    Path write(Path path) throws IOException {
        try (FileChannel f = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            f.write(header.duplicate().clear(), 0);
            ByteBuffer map = ByteBuffer.allocate(bmap.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            map.asIntBuffer().put(bmap);
            long bmapAt = Integer.toUnsignedLong(header.getInt(OFFSET_BMAP));
            f.write(map, bmapAt);
            long dataAt = Integer.toUnsignedLong(header.getInt(OFFSET_DATA));
            for (Map.Entry<Integer, Byte> block : dataBlocks.entrySet()) {
                byte[] data = new byte[MIB];
                Arrays.fill(data, block.getValue());
                data[0] = (byte) block.getKey().intValue(); // each block's first byte tells which it is
                f.write(ByteBuffer.wrap(data), dataAt + Integer.toUnsignedLong(block.getKey()) * MIB);
            }
            if (truncateTo >= 0) {
                f.truncate(truncateTo);
            }
        }
        return path;
    }
}
