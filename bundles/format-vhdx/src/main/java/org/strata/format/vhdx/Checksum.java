package org.strata.format.vhdx;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * VHDX's CRC-32C checksums: over a whole structure (a 4 KiB header, a 64 KiB region table, a log entry) with
 * its 4-byte checksum field counted as zeroes.
 */
final class Checksum {

    private Checksum() {
    }

    /** The checksum of {@code buf}'s bytes 0..limit with the field at {@code field} taken as zero. */
    static int of(ByteBuffer buf, int field) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().position(0).limit(field));
        crc.update(new byte[4]);
        crc.update(buf.duplicate().position(field + 4));
        return (int) crc.getValue();
    }

    /** Whether the field at {@code field} holds the checksum of the buffer. */
    static boolean isValid(ByteBuffer buf, int field) {
        return buf.getInt(field) == of(buf, field);
    }

    /** Stores the checksum in its field. */
    static void seal(ByteBuffer buf, int field) {
        buf.putInt(field, of(buf, field));
    }
}
