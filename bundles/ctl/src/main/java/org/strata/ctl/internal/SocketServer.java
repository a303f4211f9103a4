package org.strata.ctl.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.strata.cli.wire.Endpoint;
import org.strata.cli.wire.FrameChannel;

/**
 * Listens on {@code <home>/run/strata.sock}: run/ is mode 0700, the socket 0600 (owner only, and nobody else
 * can even reach it through run/). Each client is served on its own thread, so clients run in parallel.
 */
final class SocketServer implements Closeable {

    private final Path socket;
    private final ServerSocketChannel server;
    private final CommandProcessor processor;
    private final ExecutorService clients;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private SocketServer(Path socket, ServerSocketChannel server, CommandProcessor processor) {
        this.socket = socket;
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
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwx------"));
        Path socket = runDir.resolve(Endpoint.SOCKET_NAME);
        removeStale(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        SocketServer s = new SocketServer(socket, server, processor);
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
                        new ClientConnection(new FrameChannel(channel), processor).run();
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
