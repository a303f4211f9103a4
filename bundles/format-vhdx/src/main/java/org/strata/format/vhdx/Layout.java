package org.strata.format.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The fixed places and limits of a VHDX file (MS-VHDX): the 1 MiB header section holds the file identifier, two
 * headers and two region tables, 64 KiB each; every structure after it starts on a 1 MiB boundary.
 */
final class Layout {

    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long TIB = MIB * MIB;

    static final long HEADER1 = 64 * KIB;
    static final long HEADER2 = 128 * KIB;
    static final long REGION_TABLE1 = 192 * KIB;
    static final long REGION_TABLE2 = 256 * KIB;
    static final long HEADER_SECTION_END = MIB;

    /** Bytes a header's checksum covers. */
    static final int HEADER_SIZE = 4096;
    /** Bytes a region table (and its checksum) covers; also the metadata table's size. */
    static final int TABLE_SIZE = 64 * 1024;
    /** The unit of the log: entries, descriptors' targets and data sectors are 4 KiB. */
    static final int LOG_SECTOR = 4096;

    static final long MIN_BLOCK_SIZE = MIB;
    static final long MAX_BLOCK_SIZE = 256 * MIB;
    static final long MAX_VIRTUAL_SIZE = 64 * TIB;

    static final long FILE_SIGNATURE = signature8("vhdxfile");

    private Layout() {
    }

    /** A little-endian buffer of {@code size} zero bytes. */
    static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A four-letter ASCII signature as the little-endian int the file stores. */
    static int signature4(String ascii) {
        return ByteBuffer.wrap(ascii.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** An eight-letter ASCII signature as the little-endian long the file stores. */
    static long signature8(String ascii) {
        return ByteBuffer.wrap(ascii.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static long roundUp(long value, long align) {
        return (value + align - 1) / align * align;
    }
}
