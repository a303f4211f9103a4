package org.strata.nbd.server;

/**
 * One transmission request. {@code offset} and {@code length} are unsigned on the wire; a value that does not
 * fit a signed long shows up negative here and fails every range check.
 *
 * @param length the effect length (for WRITE: the payload length)
 */
record Request(int flags, int type, long cookie, long offset, long length) {

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    @Override
    public String toString() {
        return Nbd.commandName(type) + " offset " + Long.toUnsignedString(offset) + " length "
                + Long.toUnsignedString(length);
    }
}
