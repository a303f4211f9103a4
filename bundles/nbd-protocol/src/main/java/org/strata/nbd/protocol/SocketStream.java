package org.strata.nbd.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A blocking socket channel (TCP or Unix) as a {@link ByteStream}. Small reads go through a read-ahead buffer,
 * so pipelined headers cost one system call, not one each; large payloads are read straight into their buffer.
 * The server's and the client's connections extend it with what only they do (TLS, a deadline).
 */
public class SocketStream implements ByteStream, AutoCloseable {

    private static final int READ_AHEAD = 64 * 1024;

    private final SocketChannel channel;
    private final String peer;
    private final ByteBuffer readAhead = ByteBuffer.allocateDirect(READ_AHEAD).flip();

    /** @param peer who is at the other end, for the message when it closes ("the server") */
    public SocketStream(SocketChannel channel, String peer) {
        this.channel = channel;
        this.peer = peer;
    }

    protected SocketChannel channel() {
        return channel;
    }

    @Override
    public void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (readAhead.hasRemaining()) {
                int n = Math.min(readAhead.remaining(), dst.remaining());
                dst.put(readAhead.slice(readAhead.position(), n));
                readAhead.position(readAhead.position() + n);
            } else if (dst.remaining() >= READ_AHEAD) {
                if (channel.read(dst) < 0) {
                    throw closedByPeer();
                }
            } else {
                readAhead.clear();
                int n = channel.read(readAhead);
                readAhead.flip();
                if (n < 0) {
                    throw closedByPeer();
                }
            }
        }
    }

    private EOFException closedByPeer() {
        return new EOFException(peer + " closed the connection");
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        long left = 0;
        for (ByteBuffer b : srcs) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= channel.write(srcs);
        }
    }

    /** Hands over the bytes read ahead and not consumed yet (a protocol switching to TLS takes them along). */
    protected ByteBuffer takeReadAhead() {
        return ByteBuffer.allocate(readAhead.remaining()).put(readAhead).flip();
    }

    /** Closes the channel; blocked reads and writes fail. Safe to call more than once, from any thread. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
