package org.strata.cli.wire;

/**
 * One frame of the management socket protocol: a type byte, a 4-byte big-endian payload length, the payload.
 * The client sends {@link #REQUEST} first, then (in a shell session) {@link #LINE} frames; the daemon answers
 * with {@link #STDOUT} and {@link #STDERR} data and one {@link #EXIT} per command.
 */
public final class Frame {

    /** client to daemon: the encoded {@link Request}; always the first frame */
    public static final byte REQUEST = 'R';
    /** client to daemon, shell sessions only: one line of Gogo script (UTF-8) */
    public static final byte LINE = 'L';
    /** daemon to client: bytes the command wrote to its stdout */
    public static final byte STDOUT = 'O';
    /** daemon to client: bytes the command wrote to its stderr */
    public static final byte STDERR = 'E';
    /** daemon to client: the command finished; payload is its exit status as a 4-byte big-endian int */
    public static final byte EXIT = 'X';

    /** no frame may carry more; a larger announced length is a protocol error, never an allocation */
    public static final int MAX_PAYLOAD = 1 << 20;

    public final byte type;
    public final byte[] payload;

    public Frame(byte type, byte[] payload) {
        this.type = type;
        this.payload = payload;
    }

    /** The status of an {@link #EXIT} frame. */
    public int exitStatus() throws ProtocolException {
        if (type != EXIT || payload.length != 4) {
            throw new ProtocolException("malformed exit frame");
        }
        return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                | (payload[3] & 0xff);
    }
}
