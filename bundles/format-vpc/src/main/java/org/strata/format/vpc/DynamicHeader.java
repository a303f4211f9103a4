package org.strata.format.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The dynamic disk header ("cxsparse", 1024 bytes, big-endian) that the footer's data offset points to: where the
 * block allocation table lies, how many entries it has and how large a block is. Only dynamic and differencing
 * disks have one.
 */
record DynamicHeader(long tableOffset, int maxTableEntries, int blockSize) {

    static final int SIZE = 1024;
    /** The block size qemu creates: 2 MiB, as Virtual PC and Hyper-V do. */
    static final int DEFAULT_BLOCK_SIZE = 2 << 20;

    private static final byte[] COOKIE = "cxsparse".getBytes(StandardCharsets.US_ASCII);
    private static final int TABLE_OFFSET = 16;
    private static final int HEADER_VERSION = 24;
    private static final int MAX_TABLE_ENTRIES = 28;
    private static final int BLOCK_SIZE = 32;
    private static final int CHECKSUM = 36;

    /** The header at the start of {@code b}, or null when {@code b} does not start with its cookie. */
    static DynamicHeader parse(ByteBuffer b) {
        byte[] cookie = new byte[COOKIE.length];
        b.duplicate().get(cookie);
        if (!java.util.Arrays.equals(cookie, COOKIE)) {
            return null;
        }
        int p = b.position();
        return new DynamicHeader(b.getLong(p + TABLE_OFFSET), b.getInt(p + MAX_TABLE_ENTRIES), b.getInt(p + BLOCK_SIZE));
    }

    /** This header's bytes, as qemu writes a new one: no next header, version 1.0, no parent. */
    ByteBuffer bytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE);
        b.putLong(COOKIE.length, -1L); // data offset: none. The specification says 0xFFFFFFFF; Microsoft's tools want 64 bits
        b.putLong(TABLE_OFFSET, tableOffset);
        b.putInt(HEADER_VERSION, 0x00010000);
        b.putInt(MAX_TABLE_ENTRIES, maxTableEntries);
        b.putInt(BLOCK_SIZE, blockSize);
        b.putInt(CHECKSUM, Footer.checksum(b.array(), CHECKSUM));
        return b.clear();
    }
}
