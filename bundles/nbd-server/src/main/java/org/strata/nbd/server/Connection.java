package org.strata.nbd.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import org.strata.nbd.protocol.ProtocolViolation;

/**
 * One client connection, served by its own reader thread: the handshake, then the transmission phase.
 * Whatever the client does, only this connection ends.
 */
final class Connection implements Runnable {

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");

    private final NbdServerCore server;
    private final String name;
    private final String peer;
    private final long connectedAt = System.nanoTime();
    private volatile Transport transport;
    private volatile Export export;
    private volatile Transmission transmission;
    private volatile boolean inTransmission;
    private volatile boolean closed;
    private boolean drainRequested; // guarded by this

    Connection(NbdServerCore server, long id, Transport transport, String peer) {
        this.server = server;
        this.name = "strata-nbd-conn-" + id;
        this.peer = peer;
        this.transport = transport;
    }

    String name() {
        return name;
    }

    String peer() {
        return peer;
    }

    @Override
    public void run() {
        try {
            Handshake handshake = new Handshake(server, this, transport);
            Session session = handshake.run();
            if (session == null || closed) {
                return;
            }
            Transmission t = new Transmission(server, this, session, handshake.transport());
            startTransmission(t);
            LOG.log(System.Logger.Level.INFO, name + ": client " + peer + " connected to export '"
                    + session.export().name + "'" + (session.extended() ? " with extended headers"
                    : session.structured() ? " with structured replies" : ""));
            t.run();
        } catch (ProtocolViolation e) {
            LOG.log(System.Logger.Level.WARNING, name + ": closing " + peer + ": " + e.getMessage());
        } catch (EOFException | ClosedChannelException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": " + peer + " disconnected");
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": " + peer + ": " + e);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, name + ": " + peer + " failed", e);
        } finally {
            close();
            Export e = export;
            if (e != null) {
                e.detach(this);
                LOG.log(System.Logger.Level.INFO, name + ": client " + peer + " gone from export '" + e.name + "'");
            }
            server.closed(this);
        }
    }

    /** Binds the connection to the export it enters transmission with; false when the export is going away. */
    boolean attach(Export e) {
        if (!e.attach(this)) {
            return false;
        }
        export = e;
        return true;
    }

    void upgraded(Transport t) {
        transport = t;
        if (closed) {
            t.close();
        }
    }

    private synchronized void startTransmission(Transmission t) {
        transmission = t;
        inTransmission = true;
        if (drainRequested) {
            t.drain();
        }
    }

    /** New requests fail with ESHUTDOWN from now on (also when transmission has not started yet). */
    synchronized void drain() {
        drainRequested = true;
        if (transmission != null) {
            transmission.drain();
        }
    }

    /** Waits for requests in flight; false when the time ran out. */
    boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        Transmission t = transmission;
        return t == null || t.awaitIdle(timeoutMillis);
    }

    /** Closes the connection (a hard disconnect); the reader thread then ends. */
    void close() {
        closed = true;
        transport.close();
    }

    /** Closes the connection when the handshake takes too long or a reply has been stuck too long. */
    void checkTimeouts(long now, ServerLimits limits) {
        if (closed) {
            return;
        }
        if (!inTransmission && now - connectedAt > limits.handshakeTimeout().toNanos()) {
            LOG.log(System.Logger.Level.WARNING, name + ": closing " + peer + ": handshake not finished within "
                    + limits.handshakeTimeout().toSeconds() + " s");
            close();
            return;
        }
        Transmission t = transmission;
        if (t != null && t.replies().stalledNanos(now) > limits.stalledWriteTimeout().toNanos()) {
            LOG.log(System.Logger.Level.WARNING, name + ": closing " + peer + ": it has not read a reply for "
                    + limits.stalledWriteTimeout().toSeconds() + " s");
            close();
        }
    }
}
