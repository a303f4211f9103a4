package org.strata.nbd.protocol;

import java.nio.ByteBuffer;

/**
 * A transmission request's header: 28 bytes with a 32-bit length, or 32 bytes once extended headers are
 * negotiated. {@code offset} and {@code length} are unsigned on the wire; a value that does not fit a signed long
 * shows up negative here and fails every range check.
 *
 * @param length the effect length (for WRITE: the payload length)
 */
public record Request(int flags, int type, long cookie, long offset, long length) {

    /** The header's size on the wire. */
    public static int size(boolean extended) {
        return extended ? 32 : 28;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The header ready to send (without extended headers only the length's low 32 bits go out). */
    public ByteBuffer encode(boolean extended) {
        ByteBuffer b = ByteBuffer.allocate(size(extended))
                .putInt(extended ? Nbd.EXTENDED_REQUEST_MAGIC : Nbd.REQUEST_MAGIC)
                .putShort((short) flags).putShort((short) type).putLong(cookie).putLong(offset);
        return (extended ? b.putLong(length) : b.putInt((int) length)).flip();
    }

    /** Reads a header of {@link #size} bytes; a wrong magic number means the framing is lost. */
    public static Request decode(ByteBuffer header, boolean extended) throws ProtocolViolation {
        int magic = header.getInt();
        if (magic != (extended ? Nbd.EXTENDED_REQUEST_MAGIC : Nbd.REQUEST_MAGIC)) {
            throw new ProtocolViolation("bad request magic 0x" + Integer.toHexString(magic));
        }
        int flags = header.getShort() & 0xffff;
        int type = header.getShort() & 0xffff;
        long cookie = header.getLong();
        long offset = header.getLong();
        long length = extended ? header.getLong() : Integer.toUnsignedLong(header.getInt());
        return new Request(flags, type, cookie, offset, length);
    }

    @Override
    public String toString() {
        return Nbd.commandName(type) + " offset " + Long.toUnsignedString(offset) + " length "
                + Long.toUnsignedString(length);
    }
}
