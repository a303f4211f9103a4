package org.strata.nbd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.strata.nbd.protocol.HostPort;

/** Accepts connections on one address with its own thread and hands them over. */
final class Listener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");

    final ListenAddress requested;
    private final ServerSocketChannel channel;
    private final String bound;
    private final Thread thread;
    private volatile boolean closed;

    private Listener(ListenAddress requested, ServerSocketChannel channel, String bound,
            Consumer<SocketChannel> onAccept) {
        this.requested = requested;
        this.channel = channel;
        this.bound = bound;
        this.thread = new Thread(() -> acceptLoop(onAccept), "strata-nbd-listen-" + bound);
        thread.setDaemon(true);
    }

    /** Binds the address and starts accepting. A stale Unix socket file (nobody listening) is replaced. */
    static Listener open(ListenAddress address, Consumer<SocketChannel> onAccept) throws IOException {
        ServerSocketChannel ch;
        String bound;
        if (address.isUnix()) {
            removeStaleSocket(address.unixPath());
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(UnixDomainSocketAddress.of(address.unixPath()));
            } catch (IOException e) {
                ch.close();
                throw new IOException("cannot listen on unix:" + address.unixPath() + ": " + e.getMessage(), e);
            }
            bound = "unix:" + address.unixPath();
        } else {
            ch = ServerSocketChannel.open();
            try {
                ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                ch.bind(address.tcp().socketAddress(), 64);
            } catch (IOException e) {
                ch.close();
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
            bound = HostPort.of((InetSocketAddress) ch.getLocalAddress()).toString();
        }
        Listener l = new Listener(address, ch, bound, onAccept);
        l.thread.start();
        return l;
    }

    private static void removeStaleSocket(Path path) throws IOException {
        java.nio.file.attribute.BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (!attrs.isOther()) {
            throw new IOException("cannot listen on unix:" + path + ": a file that is not a socket is in the way");
        }
        boolean alive;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            alive = true;
        } catch (IOException e) {
            alive = false;
        }
        if (alive) {
            throw new IOException("cannot listen on unix:" + path + ": another server is listening there");
        }
        Files.delete(path); // left behind by a server that died
    }

    /** The address actually bound, e.g. {@code 127.0.0.1:41234} or {@code unix:/run/nbd.sock}. */
    String bound() {
        return bound;
    }

    private void acceptLoop(Consumer<SocketChannel> onAccept) {
        while (!closed) {
            try {
                onAccept.accept(channel.accept());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // e.g. out of file descriptors: wait a little instead of spinning
                LOG.log(System.Logger.Level.WARNING, "NBD listener " + bound + ": accept failed: " + e.getMessage());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to do
        }
        if (requested.isUnix()) {
            try {
                Files.deleteIfExists(requested.unixPath());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot remove " + requested.unixPath() + ": " + e.getMessage());
            }
        }
    }
}
