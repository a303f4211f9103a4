package org.strata.storage.nbd;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.strata.nbd.protocol.SocketStream;

/**
 * A blocking socket to an NBD server (TCP or Unix), with a deadline that closes it. One thread reads (small reply
 * headers cost one system call between them) while others write under the caller's lock.
 */
final class Channel extends SocketStream {

    private static final int DISARMED = 0;
    private static final int ARMED = 1;
    private static final int EXPIRED = 2;

    private final AtomicInteger deadline = new AtomicInteger(DISARMED);

    private Channel(SocketChannel channel) {
        super(channel, "the server");
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
                InetSocketAddress address = uri.address().socketAddress();
                if (address.isUnresolved()) {
                    throw new IOException("unknown host " + uri.address().host());
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
}
