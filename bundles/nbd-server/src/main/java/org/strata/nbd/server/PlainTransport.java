package org.strata.nbd.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLContext;

/**
 * A blocking socket channel (TCP or Unix). Small reads go through a read-ahead buffer, so pipelined request
 * headers cost one system call, not one each; large payloads are read straight into their buffer.
 */
final class PlainTransport implements Transport {

    private static final int READ_AHEAD = 64 * 1024;

    private final SocketChannel channel;
    private final ByteBuffer readAhead = ByteBuffer.allocateDirect(READ_AHEAD).flip();

    PlainTransport(SocketChannel channel) {
        this.channel = channel;
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
                    throw new EOFException("client closed the connection");
                }
            } else {
                readAhead.clear();
                int n = channel.read(readAhead);
                readAhead.flip();
                if (n < 0) {
                    throw new EOFException("client closed the connection");
                }
            }
        }
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

    @Override
    public Transport startTls(SSLContext context) throws IOException {
        // The client waits for our ACK before it starts TLS, so nothing of its handshake is buffered yet.
        ByteBuffer leftover = ByteBuffer.allocate(readAhead.remaining()).put(readAhead).flip();
        TlsTransport tls = new TlsTransport(channel, context.createSSLEngine(), leftover);
        tls.handshake();
        return tls;
    }

    @Override
    public boolean isTls() {
        return false;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
