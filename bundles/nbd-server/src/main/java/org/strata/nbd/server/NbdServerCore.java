package org.strata.nbd.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import org.strata.api.DaemonThreads;
import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;
import org.strata.core.metrics.Metrics;
import org.strata.nbd.ExportInfo;
import org.strata.nbd.NbdServer;
import org.strata.nbd.protocol.Nbd;

/**
 * The NBD server without OSGi: listeners, exports, connections. The DS component wraps one; tests start one
 * on port 0. Thread-safe.
 */
public final class NbdServerCore implements NbdServer, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");
    /** Refused addresses remembered so each is logged once; past this many, the rest are not logged. */
    private static final int MAX_REFUSED_LOGGED = 1024;

    private final ServerLimits limits;
    private final Metrics metrics;
    private final BufferPool buffers = new BufferPool();
    private final Map<String, Export> exports = new LinkedHashMap<>(); // guarded by this
    private final List<Listener> listeners = new ArrayList<>(); // guarded by this
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private final ScheduledExecutorService watchdog;
    private volatile SSLContext tls;
    private volatile ClientAllowList allowedClients = ClientAllowList.EVERYONE;
    private final Set<InetAddress> refusedLogged = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    public NbdServerCore() {
        this(ServerLimits.DEFAULTS);
    }

    public NbdServerCore(ServerLimits limits) {
        this(limits, new Metrics());
    }

    /** A server whose exports report their statistics to {@code metrics}. */
    public NbdServerCore(ServerLimits limits, Metrics metrics) {
        this.limits = limits;
        this.metrics = metrics;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("strata-nbd-watchdog"));
        watchdog.scheduleWithFixedDelay(this::checkConnections, 1, 1, TimeUnit.SECONDS);
    }

    ServerLimits limits() {
        return limits;
    }

    BufferPool buffers() {
        return buffers;
    }

    SSLContext tlsContext() {
        return tls;
    }

    boolean isClosing() {
        return closing;
    }

    // ------------------------------------------------------------------ listeners and TLS

    /**
     * Listens on exactly these addresses: keeps listeners already bound to one of them (except port 0), binds
     * the new ones, closes the others. All or nothing: when an address cannot be bound, the new listeners are
     * closed again and the ones closed for this are bound again, so the server listens as before, and the
     * failures are thrown together.
     */
    public synchronized void listen(List<ListenAddress> addresses) throws IOException {
        if (closing) {
            throw new IllegalStateException("the NBD server is closed");
        }
        List<Listener> kept = new ArrayList<>();
        List<ListenAddress> dropped = new ArrayList<>();
        for (Listener l : listeners) {
            if (l.requested.port() != 0 && addresses.contains(l.requested)) {
                kept.add(l);
            } else {
                dropped.add(l.requested);
                l.close(); // before binding: a new address may take the same port (127.0.0.1:P to 0.0.0.0:P)
            }
        }
        List<ListenAddress> added = addresses.stream()
                .filter(a -> a.port() == 0 || kept.stream().noneMatch(l -> l.requested.equals(a))).toList();
        listeners.clear();
        listeners.addAll(kept);
        List<Listener> opened = new ArrayList<>();
        IOException failure = bind(added, opened);
        if (failure != null) {
            opened.forEach(Listener::close);
            IOException notRestored = bind(dropped, listeners);
            if (notRestored != null) {
                failure.addSuppressed(notRestored);
            }
            throw failure;
        }
        listeners.addAll(opened);
    }

    /** Binds each address into {@code into}; returns the failures together, or null. */
    private IOException bind(List<ListenAddress> addresses, List<Listener> into) {
        IOException failure = null;
        for (ListenAddress a : addresses) {
            try {
                Listener l = Listener.open(a, ch -> accepted(ch, !a.isUnix()));
                into.add(l);
                LOG.log(System.Logger.Level.INFO, "NBD server listening on " + l.bound());
            } catch (IOException e) {
                if (failure == null) {
                    failure = new IOException(e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    /**
     * Applies checked settings as a whole: TLS, the allow-list and the listeners. When the listeners cannot be
     * bound, everything stays as it was.
     */
    synchronized void apply(ServerSettings settings) throws IOException {
        SSLContext previousTls = tls;
        ClientAllowList previousAllowed = allowedClients;
        tls = settings.tls();
        setAllowedClients(settings.allowedClients());
        try {
            listen(settings.listen());
        } catch (IOException | RuntimeException e) {
            tls = previousTls;
            setAllowedClients(previousAllowed);
            throw e;
        }
    }

    /** Requires TLS (NBD_OPT_STARTTLS) on every new connection with this certificate and PKCS#8 key; null paths turn it off. */
    public void setTls(Path certificate, Path key) throws IOException {
        tls = certificate == null ? null : TlsContexts.fromPem(certificate, key);
    }

    /**
     * Accepts TCP clients from these address blocks only (Unix socket clients are the host's own); others are closed
     * at accept, and each refused address is logged once (until the list changes).
     */
    void setAllowedClients(ClientAllowList allowed) {
        allowedClients = allowed;
        refusedLogged.clear();
    }

    @Override
    public synchronized List<String> listenAddresses() {
        return listeners.stream().map(Listener::bound).toList();
    }

    private void accepted(SocketChannel ch, boolean tcp) {
        String peer = "client";
        try {
            InetSocketAddress remote = tcp ? (InetSocketAddress) ch.getRemoteAddress() : null;
            peer = tcp ? String.valueOf(remote) : "unix client";
            if (tcp && !allowedClients.allows(remote.getAddress())) {
                if (refusedLogged.size() < MAX_REFUSED_LOGGED && refusedLogged.add(remote.getAddress())) {
                    LOG.log(System.Logger.Level.WARNING, "NBD server refuses " + remote.getAddress().getHostAddress()
                            + ": not in allow.clients (" + allowedClients + "); further connections from it are "
                            + "closed without a word");
                }
                ch.close();
                return;
            }
            if (closing || connections.size() >= limits.maxConnections()) {
                LOG.log(System.Logger.Level.WARNING, "NBD server refuses " + peer + ": "
                        + (closing ? "shutting down" : limits.maxConnections() + " connections already"));
                ch.close();
                return;
            }
            if (tcp) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        } catch (IOException e) {
            closeQuietly(ch);
            return;
        }
        Connection c = new Connection(this, connectionIds.incrementAndGet(), new PlainTransport(ch), peer);
        connections.add(c);
        Thread t = new Thread(c, c.name());
        t.setDaemon(true);
        t.start();
    }

    void closed(Connection c) {
        connections.remove(c);
    }

    private void checkConnections() {
        long now = System.nanoTime();
        for (Connection c : connections) {
            try {
                c.checkTimeouts(now, limits);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "NBD watchdog failed", e);
            }
        }
    }

    // ------------------------------------------------------------------ exports

    @Override
    public void addExport(String name, String description, ImageHandle handle, boolean writable) throws IOException {
        checkString("export name", name);
        String desc = description == null ? "" : description;
        checkString("export description", desc);
        long size = handle.call(FormatAccess::size);
        boolean imageWritable = handle.call(FormatAccess::isWritable);
        int reqAlign = handle.call(FormatAccess::reqAlign);
        if (writable && !imageWritable) {
            throw new IOException("cannot export '" + name + "' writable: the image is open read-only");
        }
        Export e = new Export(name, desc, handle, writable, size, reqAlign);
        synchronized (this) {
            if (closing) {
                throw new IllegalStateException("the NBD server is closed");
            }
            if (exports.containsKey(name)) {
                throw new IllegalArgumentException("export '" + name + "' already exists");
            }
            exports.put(name, e);
        }
        metrics.add(e.stats);
        LOG.log(System.Logger.Level.INFO, "NBD export '" + name + "' added (" + (writable ? "writable" : "read-only")
                + ", " + size + " bytes)");
    }

    private static void checkString(String what, String s) {
        if (s == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        if (s.indexOf('\0') >= 0 || s.getBytes(StandardCharsets.UTF_8).length > Nbd.MAX_STRING) {
            throw new IllegalArgumentException(what + " must be at most " + Nbd.MAX_STRING
                    + " bytes without NUL characters");
        }
    }

    @Override
    public boolean removeExport(String name) throws IOException {
        Export e;
        synchronized (this) {
            e = exports.remove(name);
        }
        if (e == null) {
            return false;
        }
        metrics.remove(e.stats);
        retire(e);
        LOG.log(System.Logger.Level.INFO, "NBD export '" + name + "' removed");
        return true;
    }

    /** Drains the export's connections, flushes its image, then closes the connections. */
    private void retire(Export e) throws IOException {
        List<Connection> conns = e.markRemoved();
        for (Connection c : conns) {
            c.drain();
        }
        long deadline = System.nanoTime() + limits.drainTimeout().toNanos();
        for (Connection c : conns) {
            try {
                long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                if (!c.awaitIdle(left)) {
                    LOG.log(System.Logger.Level.WARNING, "export '" + e.name + "': requests of " + c.peer()
                            + " did not finish in time; closing the connection");
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        IOException failure = null;
        if (e.writable) {
            try {
                e.handle.call(a -> {
                    if (!a.isClosed()) { // an image its owner closed was flushed then
                        a.sync();
                    }
                    return null;
                });
            } catch (IOException ex) {
                failure = new IOException("export '" + e.name + "': final flush failed: " + ex.getMessage(), ex);
            }
        }
        for (Connection c : conns) {
            c.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    synchronized Export export(String name) {
        return exports.get(name);
    }

    synchronized List<Export> exportList() {
        return new ArrayList<>(exports.values());
    }

    @Override
    public List<ExportInfo> exports() {
        return exportList().stream()
                .map(e -> new ExportInfo(e.name, e.description, e.writable, e.size(), e.connectionCount()))
                .toList();
    }

    // ------------------------------------------------------------------ lifetime

    /**
     * Stops the server: closes the listeners, finishes and flushes every export (as {@link #removeExport}),
     * and closes every connection.
     */
    @Override
    public void close() {
        List<Export> all;
        boolean wasListening;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            wasListening = !listeners.isEmpty();
            for (Listener l : listeners) {
                l.close();
            }
            listeners.clear();
            all = new ArrayList<>(exports.values());
            exports.clear();
        }
        for (Export e : all) {
            metrics.remove(e.stats);
            try {
                retire(e);
            } catch (IOException ex) {
                LOG.log(System.Logger.Level.ERROR, ex.getMessage(), ex);
            }
        }
        for (Connection c : connections) {
            c.close();
        }
        watchdog.shutdownNow();
        if (wasListening) {
            LOG.log(System.Logger.Level.INFO, "NBD server stopped");
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
