package org.strata.ctl.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.strata.cli.wire.Endpoint;
import org.strata.cli.wire.Frame;
import org.strata.cli.wire.FrameChannel;

/**
 * Listens on {@code <home>/run/strata.sock}: run/ is mode 0700, the socket 0600 (owner only, and nobody else
 * can even reach it through run/), and every peer's credentials are checked too ({@link SocketAccess}, which
 * also lets a configured group in). Each client is served on its own thread, so clients run in parallel.
 */
final class SocketServer implements Closeable {

    private static final System.Logger LOG = System.getLogger("org.strata.ctl");
    /** How long, and how much, a refused client may still send before its connection closes. */
    private static final long REFUSED_DRAIN_MILLIS = 2000;
    private static final long REFUSED_DRAIN_BYTES = 1 << 20;

    private final Path socket;
    private final ServerSocketChannel server;
    private final CommandProcessor processor;
    private final ExecutorService clients;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile SocketAccess access;
    private volatile boolean closed;

    private SocketServer(Path socket, ServerSocketChannel server, CommandProcessor processor, SocketAccess access) {
        this.socket = socket;
        this.access = access;
        this.server = server;
        this.processor = processor;
        AtomicInteger counter = new AtomicInteger();
        this.clients = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "strata-ctl-client-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "strata-ctl-accept");
        acceptor.setDaemon(true);
    }

    static SocketServer open(Path runDir, CommandProcessor processor) throws IOException {
        Files.createDirectories(runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------")); // before the socket exists
        Path socket = runDir.resolve(Endpoint.SOCKET_NAME);
        removeStale(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        SocketAccess access;
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            access = SocketAccess.apply(socket, null);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        SocketServer s = new SocketServer(socket, server, processor, access);
        s.acceptor.start();
        return s;
    }

    /** A socket file nobody answers on is left from a daemon that died; one that answers is another daemon. */
    private static void removeStale(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (answers(socket)) {
            throw new IOException("another daemon is listening on " + socket);
        }
        Files.delete(socket);
    }

    private static boolean answers(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Path socket() {
        return socket;
    }

    /** Lets the members of {@code group} in (blank: nobody but root and the daemon's user); on failure nothing changes. */
    void allowGroup(String group) throws IOException {
        access = SocketAccess.apply(socket, group);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue; // e.g. too many open files: keep serving the others
            }
            open.add(channel);
            try {
                clients.execute(() -> {
                    try {
                        serve(channel);
                    } finally {
                        open.remove(channel);
                    }
                });
            } catch (RuntimeException e) {
                open.remove(channel);
                closeQuietly(channel);
            }
        }
    }

    private void serve(SocketChannel channel) {
        String refusal = access.refusal(channel);
        if (refusal == null) {
            new ClientConnection(new FrameChannel(channel), processor).run();
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "management socket: " + refusal);
        try (FrameChannel frames = new FrameChannel(channel)) {
            frames.write(Frame.STDERR, ("strata: " + refusal + "\n").getBytes(StandardCharsets.UTF_8));
            frames.writeExit(1);
            drainUntilClosed(channel);
        } catch (IOException e) {
            // the refused client went away first
        }
    }

    /**
     * Reads and drops what a refused client sends until it closes (it does once it has read the refusal), for a
     * short while and a bounded amount at most. Closing first would break its pipe while it still writes its
     * request, and a socket closed with unread data resets the peer before it reads the refusal.
     */
    private static void drainUntilClosed(SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFUSED_DRAIN_MILLIS);
        ByteBuffer sink = ByteBuffer.allocate(8192);
        long total = 0;
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (total < REFUSED_DRAIN_BYTES) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || selector.select(left) == 0) {
                    return;
                }
                selector.selectedKeys().clear();
                sink.clear();
                int n = channel.read(sink);
                if (n < 0) {
                    return;
                }
                total += n;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the next daemon removes a stale socket itself
        }
        // close the connections (blocked reads return) but never interrupt a running command
        for (SocketChannel channel : open) {
            closeQuietly(channel);
        }
        clients.shutdown();
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
