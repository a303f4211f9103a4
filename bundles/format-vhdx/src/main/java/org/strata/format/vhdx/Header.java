package org.strata.format.vhdx;

import java.nio.ByteBuffer;

/**
 * One of the two VHDX headers (at 64 KiB and 128 KiB): 80 bytes of fields, checksummed over 4 KiB. The one with
 * the higher sequence number is current. Immutable: an update writes a changed copy to the other slot.
 */
record Header(long sequence, Guid fileWriteGuid, Guid dataWriteGuid, Guid logGuid, int logVersion, int version,
              long logLength, long logOffset) {

    static final int SIGNATURE = Layout.signature4("head");
    private static final int CHECKSUM = 4;

    /** The header in a 4 KiB block, or null when its signature, checksum or version is not right. */
    static Header decode(ByteBuffer b) {
        if (b.getInt(0) != SIGNATURE || !Checksum.isValid(b, CHECKSUM)) {
            return null;
        }
        Header h = new Header(b.getLong(8), Guid.read(b, 16), Guid.read(b, 32), Guid.read(b, 48),
                Short.toUnsignedInt(b.getShort(64)), Short.toUnsignedInt(b.getShort(66)),
                Integer.toUnsignedLong(b.getInt(68)), b.getLong(72));
        return h.version == 1 ? h : null;
    }

    ByteBuffer encode() {
        ByteBuffer b = Layout.buffer(Layout.HEADER_SIZE);
        b.putInt(0, SIGNATURE).putLong(8, sequence);
        fileWriteGuid.write(b, 16);
        dataWriteGuid.write(b, 32);
        logGuid.write(b, 48);
        b.putShort(64, (short) logVersion).putShort(66, (short) version).putInt(68, (int) logLength)
                .putLong(72, logOffset);
        Checksum.seal(b, CHECKSUM);
        return b;
    }

    /** A new image's header: no log entries yet, the log at 1 MiB. */
    static Header fresh(long sequence, long logLength) {
        return new Header(sequence, Guid.random(), Guid.random(), Guid.ZERO, 0, 1, logLength,
                Layout.HEADER_SECTION_END);
    }

    /** This header as the other slot gets it in an update: the next sequence number and the session's GUIDs. */
    Header next(Guid session, boolean newDataWriteGuid, Guid newLogGuid) {
        return new Header(sequence + 1, session, newDataWriteGuid ? Guid.random() : dataWriteGuid,
                newLogGuid != null ? newLogGuid : logGuid, logVersion, version, logLength, logOffset);
    }
}
