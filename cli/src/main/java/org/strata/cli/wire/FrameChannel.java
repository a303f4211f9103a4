package org.strata.cli.wire;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/**
 * Reads and writes {@link Frame}s on a blocking channel. Writes are serialized (stdout and stderr of one
 * command share the channel); reads belong to one thread at a time.
 */
public final class FrameChannel implements Closeable {

    private static final int HEADER = 5;

    private final ByteChannel channel;
    private final ByteBuffer readHeader = ByteBuffer.allocate(HEADER);
    private final ByteBuffer writeHeader = ByteBuffer.allocate(HEADER);

    public FrameChannel(ByteChannel channel) {
        this.channel = channel;
    }

    public void write(byte type, byte[] data) throws IOException {
        write(type, data, 0, data.length);
    }

    public void write(byte type, byte[] data, int offset, int length) throws IOException {
        if (length > Frame.MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload too large: " + length);
        }
        synchronized (writeHeader) {
            writeHeader.clear();
            writeHeader.put(type).putInt(length).flip();
            writeFully(writeHeader);
            writeFully(ByteBuffer.wrap(data, offset, length));
        }
    }

    public void writeExit(int status) throws IOException {
        write(Frame.EXIT, new byte[] {(byte) (status >>> 24), (byte) (status >>> 16), (byte) (status >>> 8),
                (byte) status});
    }

    /** The next frame, or null when the other side closed the connection between frames. */
    public Frame read() throws IOException {
        readHeader.clear();
        if (!readFully(readHeader, true)) {
            return null;
        }
        readHeader.flip();
        byte type = readHeader.get();
        int length = readHeader.getInt();
        if (length < 0 || length > Frame.MAX_PAYLOAD) {
            throw new ProtocolException("frame length " + length + " out of range");
        }
        byte[] payload = new byte[length];
        readFully(ByteBuffer.wrap(payload), false);
        return new Frame(type, payload);
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Fills the buffer; at a clean end of stream before the first byte returns false if that is allowed. */
    private boolean readFully(ByteBuffer buffer, boolean endAllowed) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (first && endAllowed && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("connection closed in the middle of a frame");
            }
            first = false;
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
