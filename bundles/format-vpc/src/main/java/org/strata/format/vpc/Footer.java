package org.strata.format.vpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * The 512-byte VHD footer ("hard disk footer" of Microsoft's VHD specification), big-endian. A fixed disk has it
 * at the end of the file only; a dynamic disk has a copy at the start and the footer itself after the last block.
 * The bytes are kept as read, so the footer a dynamic disk moves behind a new block is the same footer.
 */
final class Footer {

    static final int SIZE = 512;
    static final int TYPE_FIXED = 2;
    static final int TYPE_DYNAMIC = 3;
    /** The largest disk qemu opens or creates: 2040 GiB in sectors. */
    static final long MAX_SECTORS = 0xff000000L;

    private static final byte[] COOKIE = "conectix".getBytes(StandardCharsets.US_ASCII);
    /** Seconds from the Unix epoch to VHD's, 2000-01-01 00:00 UTC. */
    private static final long TIMESTAMP_BASE = 946_684_800L;
    /** Creator applications whose disks are as large as their current_size (not their geometry), as qemu lists them. */
    private static final String[] CURRENT_SIZE_CREATORS = {"win ", "qem2", "d2v ", "CTXS", "tap\0"};

    private static final int FEATURES = 8;
    private static final int FORMAT_VERSION = 12;
    private static final int DATA_OFFSET = 16;
    private static final int TIMESTAMP = 24;
    private static final int CREATOR_APP = 28;
    private static final int CREATOR_VERSION = 32;
    private static final int CREATOR_OS = 36;
    private static final int ORIGINAL_SIZE = 40;
    private static final int CURRENT_SIZE = 48;
    private static final int CYLINDERS = 56;
    private static final int HEADS = 58;
    private static final int SECTORS_PER_TRACK = 59;
    private static final int DISK_TYPE = 60;
    private static final int CHECKSUM = 64;
    private static final int UNIQUE_ID = 68;

    private final byte[] bytes;

    private Footer(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The footer in the first 512 bytes of {@code block} (shorter blocks count as padded with zeroes). */
    static Footer of(ByteBuffer block) {
        byte[] b = new byte[SIZE];
        block.duplicate().get(b, 0, Math.min(SIZE, block.remaining()));
        return new Footer(b);
    }

    /** Whether {@code head} starts with the cookie "conectix". */
    static boolean hasCookie(ByteBuffer head) {
        if (head.remaining() < COOKIE.length) {
            return false;
        }
        byte[] start = new byte[COOKIE.length];
        head.duplicate().get(start);
        return Arrays.equals(start, COOKIE);
    }

    /** A new footer, as qemu writes it: creator "qemu" (or "qem2" when the size is not the geometry's), Wi2k. */
    static Footer create(long sizeBytes, Chs chs, int type, boolean sizeFromFooter) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(COOKIE);
        b.putInt(FEATURES, 2);
        b.putInt(FORMAT_VERSION, 0x00010000);
        b.putLong(DATA_OFFSET, type == TYPE_FIXED ? -1L : SIZE);
        b.putInt(TIMESTAMP, (int) (System.currentTimeMillis() / 1000 - TIMESTAMP_BASE));
        b.put(CREATOR_APP, (sizeFromFooter ? "qem2" : "qemu").getBytes(StandardCharsets.US_ASCII));
        b.putShort(CREATOR_VERSION, (short) 5);
        b.putShort(CREATOR_VERSION + 2, (short) 3);
        b.put(CREATOR_OS, "Wi2k".getBytes(StandardCharsets.US_ASCII));
        b.putLong(ORIGINAL_SIZE, sizeBytes);
        b.putLong(CURRENT_SIZE, sizeBytes);
        b.putShort(CYLINDERS, (short) chs.cylinders());
        b.put(HEADS, (byte) chs.heads());
        b.put(SECTORS_PER_TRACK, (byte) chs.sectorsPerTrack());
        b.putInt(DISK_TYPE, type);
        UUID id = UUID.randomUUID();
        b.putLong(UNIQUE_ID, id.getMostSignificantBits());
        b.putLong(UNIQUE_ID + 8, id.getLeastSignificantBits());
        b.putInt(CHECKSUM, checksum(b.array(), CHECKSUM));
        return new Footer(b.array());
    }

    /**
     * The VHD checksum of a structure: the one's complement of the sum of its bytes, the checksum field (4 bytes
     * at {@code checksumAt}) counted as zero.
     */
    static int checksum(byte[] structure, int checksumAt) {
        int sum = 0;
        for (int i = 0; i < structure.length; i++) {
            if (i < checksumAt || i >= checksumAt + 4) {
                sum += structure[i] & 0xff;
            }
        }
        return ~sum;
    }

    boolean hasCookie() {
        return hasCookie(view());
    }

    boolean checksumValid() {
        return checksum(bytes, CHECKSUM) == view().getInt(CHECKSUM);
    }

    int diskType() {
        return view().getInt(DISK_TYPE);
    }

    boolean isFixed() {
        return diskType() == TYPE_FIXED;
    }

    /** Where the dynamic disk header lies (an unsigned 64-bit offset, as a long). */
    long dataOffset() {
        return view().getLong(DATA_OFFSET);
    }

    /**
     * The sectors the guest sees, as qemu 7.2 decides: Virtual PC and qemu (creator "vpc ", "qemu") size a disk by
     * its CHS geometry, which may be less than current_size; Hyper-V, disk2vhd, XenServer, XenConverter and qemu's
     * force_size images ("win ", "d2v ", "tap\0", "CTXS", "qem2") by current_size, as does any disk whose geometry
     * is the largest there is (its size cannot be a geometry's).
     */
    long guestSectors() {
        long chs = (long) (view().getShort(CYLINDERS) & 0xffff) * (bytes[HEADS] & 0xff)
                * (bytes[SECTORS_PER_TRACK] & 0xff);
        if (!sizedByGeometry() || chs == Chs.MAX_SECTORS) {
            return Long.divideUnsigned(view().getLong(CURRENT_SIZE), 512);
        }
        return chs;
    }

    private boolean sizedByGeometry() {
        String creator = new String(bytes, CREATOR_APP, 4, StandardCharsets.ISO_8859_1);
        return !Arrays.asList(CURRENT_SIZE_CREATORS).contains(creator);
    }

    /** A copy of the footer's bytes, for writing. */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(bytes.clone());
    }

    private ByteBuffer view() {
        return ByteBuffer.wrap(bytes);
    }
}
