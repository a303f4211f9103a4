package org.strata.nbd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.strata.api.DaemonThreads;

import org.strata.nbd.protocol.Nbd;
import org.strata.nbd.protocol.ProtocolViolation;
import org.strata.nbd.protocol.Request;

/**
 * The transmission phase of one connection: this (reader) thread parses requests and reads write payloads in
 * order; a small pool of workers carries them out in parallel and replies out of order. What a request may
 * cost is checked before anything is allocated; a client that breaks the framing is disconnected.
 */
final class Transmission {

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");

    private final Connection connection;
    private final Session session;
    private final Transport transport;
    private final ServerLimits limits;
    private final BufferPool buffers;
    private final ReplyWriter out;
    private final Commands commands;
    private final InFlightLimit inFlight;
    private final ThreadPoolExecutor workers;
    private volatile boolean draining;

    Transmission(NbdServerCore server, Connection connection, Session session, Transport transport) {
        this.connection = connection;
        this.session = session;
        this.transport = transport;
        this.limits = server.limits();
        this.buffers = server.buffers();
        this.out = new ReplyWriter(transport, session);
        this.commands = new Commands(session.export(), session, out, buffers, connection.peer());
        this.inFlight = new InFlightLimit(limits.inFlightRequests(), limits.inFlightBytes());
        this.workers = new ThreadPoolExecutor(limits.workersPerConnection(), limits.workersPerConnection(), 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), DaemonThreads.named(connection.name() + "-worker"));
        workers.allowCoreThreadTimeOut(true);
    }

    ReplyWriter replies() {
        return out;
    }

    /** From now on new requests fail with ESHUTDOWN; requests in flight go on. */
    void drain() {
        draining = true;
    }

    /** Waits until no request is in flight; false when the time ran out. */
    boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        return inFlight.awaitIdle(timeoutMillis);
    }

    /** Serves requests until the client disconnects (or breaks the protocol); then lets in-flight ones finish. */
    void run() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Request.size(session.extended()));
        try {
            while (true) {
                header.clear();
                transport.readFully(header);
                header.flip();
                if (!serve(header)) {
                    return;
                }
            }
        } finally {
            try {
                inFlight.awaitIdle(limits.drainTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.shutdown();
        }
    }

    /** Handles one request header (and its payload); false after NBD_CMD_DISC. */
    private boolean serve(ByteBuffer h) throws IOException {
        Request r = Request.decode(h, session.extended());
        int type = r.type();
        long length = r.length();
        boolean hasPayload = session.extended() ? r.has(Nbd.CMD_FLAG_PAYLOAD_LEN) : type == Nbd.CMD_WRITE;
        if (hasPayload && (length < 0 || length > limits.maxPayload())) {
            throw new ProtocolViolation(Nbd.commandName(type) + " payload of " + Long.toUnsignedString(length)
                    + " bytes is larger than the maximum " + limits.maxPayload());
        }
        if (type == Nbd.CMD_DISC) {
            return false;
        }
        String refusal = refusal(r, hasPayload);
        if (refusal != null) {
            transport.skip(hasPayload ? length : 0);
            int code = draining ? Nbd.ESHUTDOWN : r.type() == Nbd.CMD_READ && session.chunked()
                    && length > limits.maxPayload() ? Nbd.EOVERFLOW : Nbd.EINVAL;
            out.error(r, code, refusal);
            return true;
        }
        long cost = hasPayload || type == Nbd.CMD_READ ? length : 0;
        try {
            inFlight.acquire(cost);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        ByteBuffer payload = null;
        boolean submitted = false;
        try {
            if (hasPayload) {
                payload = buffers.acquire((int) length);
                transport.readFully(payload);
                payload.flip();
            }
            ByteBuffer p = payload;
            workers.execute(() -> execute(r, p, cost));
            submitted = true;
        } finally {
            if (!submitted) {
                buffers.release(payload);
                inFlight.release(cost);
            }
        }
        return true;
    }

    /** Why a request is refused before it is carried out, or null. */
    private String refusal(Request r, boolean hasPayload) {
        if (draining) {
            return "export '" + session.export().name + "' is being removed";
        }
        if (session.extended() && hasPayload != (r.type() == Nbd.CMD_WRITE)) {
            return hasPayload ? Nbd.commandName(r.type()) + " takes no payload" : "WRITE needs NBD_CMD_FLAG_PAYLOAD_LEN";
        }
        if (r.type() == Nbd.CMD_READ && (r.length() < 0 || r.length() > limits.maxPayload())) {
            return "READ of " + Long.toUnsignedString(r.length()) + " bytes is larger than the maximum "
                    + limits.maxPayload();
        }
        return null;
    }

    private void execute(Request r, ByteBuffer payload, long cost) {
        try {
            commands.run(r, payload);
        } catch (IOException e) {
            // the reply could not be sent: the client is gone or stuck
            LOG.log(System.Logger.Level.DEBUG, () -> connection.name() + ": reply failed: " + e.getMessage());
            connection.close();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, connection.name() + ": " + r + " failed", e);
            connection.close();
        } finally {
            buffers.release(payload);
            inFlight.release(cost);
        }
    }
}
