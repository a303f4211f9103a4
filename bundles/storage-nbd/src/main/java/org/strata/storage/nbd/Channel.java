package org.strata.storage.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking socket to an NBD server (TCP or Unix). One thread reads (through a read-ahead buffer, so small
 * reply headers cost one system call between them) while others write under the caller's lock.
 */
final class Channel implements AutoCloseable {

    private static final int READ_AHEAD = 64 * 1024;
    private static final int DISARMED = 0;
    private static final int ARMED = 1;
    private static final int EXPIRED = 2;

    private final SocketChannel channel;
    private final ByteBuffer readAhead = ByteBuffer.allocateDirect(READ_AHEAD).flip();
    private final AtomicInteger deadline = new AtomicInteger(DISARMED);

    private Channel(SocketChannel channel) {
        this.channel = channel;
    }

    static Channel connect(NbdUri uri, Duration timeout) throws IOException {
        SocketChannel ch;
        try {
            if (uri.isUnix()) {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(uri.socket()));
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
            } else {
                InetSocketAddress address = new InetSocketAddress(uri.host(), uri.port());
                if (address.isUnresolved()) {
                    throw new IOException("unknown host " + uri.host());
                }
                ch = SocketChannel.open();
                try {
                    ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
            }
        } catch (ConnectException e) {
            throw new IOException(uri + ": cannot connect: " + (e.getMessage() == null ? "Connection refused"
                    : e.getMessage()), e);
        } catch (IOException e) {
            throw new IOException(uri + ": cannot connect: " + e.getMessage(), e);
        }
        return new Channel(ch);
    }

    /**
     * Closes the channel after {@code timeout} unless {@link #disarm()} comes first. (The JDK's shared timer,
     * so no thread of this bundle outlives it.)
     */
    void armDeadline(Duration timeout) {
        deadline.set(ARMED);
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (deadline.compareAndSet(ARMED, EXPIRED)) {
                close();
            }
        });
    }

    /** Stops the deadline; false when it expired first (and closed the channel). */
    boolean disarm() {
        return deadline.compareAndSet(ARMED, DISARMED) || deadline.get() == DISARMED;
    }

    void readFully(ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            if (readAhead.hasRemaining()) {
                int n = Math.min(readAhead.remaining(), dst.remaining());
                dst.put(readAhead.slice(readAhead.position(), n));
                readAhead.position(readAhead.position() + n);
            } else if (dst.remaining() >= READ_AHEAD) {
                if (channel.read(dst) < 0) {
                    throw new EOFException("the server closed the connection");
                }
            } else {
                readAhead.clear();
                int n = channel.read(readAhead);
                readAhead.flip();
                if (n < 0) {
                    throw new EOFException("the server closed the connection");
                }
            }
        }
    }

    ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        readFully(b);
        return b.flip();
    }

    void write(ByteBuffer... srcs) throws IOException {
        long left = 0;
        for (ByteBuffer b : srcs) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= channel.write(srcs);
        }
    }

    boolean isOpen() {
        return channel.isOpen();
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
