package org.strata.nbd.server;

import java.time.Duration;

import org.strata.nbd.protocol.Nbd;

/**
 * Bounds on what one client can make the server do: every length a client sends is checked against these
 * before anything is allocated.
 *
 * @param maxPayload         largest READ or WRITE payload (advertised as the maximum block size)
 * @param maxOptionLength    largest option the handshake accepts; a longer one ends the connection
 * @param maxConnections     connections served at once; more are closed at once
 * @param inFlightRequests   requests one connection may have in progress
 * @param inFlightBytes      payload bytes one connection may hold in progress (one request may exceed it alone)
 * @param workersPerConnection threads serving one connection's requests
 * @param handshakeTimeout   time a client has from connecting to entering transmission
 * @param stalledWriteTimeout time a reply may wait for a client that does not read before the connection closes
 * @param drainTimeout       time removal waits for requests in flight before closing connections anyway
 */
public record ServerLimits(int maxPayload, int maxOptionLength, int maxConnections, int inFlightRequests,
        long inFlightBytes, int workersPerConnection, Duration handshakeTimeout, Duration stalledWriteTimeout,
        Duration drainTimeout) {

    /** The defaults; payloads of 32 MiB, the size every NBD client expects to work. */
    public static final ServerLimits DEFAULTS = new ServerLimits(Nbd.DEFAULT_MAX_PAYLOAD, 64 << 10, 256, 64, 64L << 20,
            8, Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(30));

    public ServerLimits withHandshakeTimeout(Duration d) {
        return new ServerLimits(maxPayload, maxOptionLength, maxConnections, inFlightRequests, inFlightBytes,
                workersPerConnection, d, stalledWriteTimeout, drainTimeout);
    }

    public ServerLimits withStalledWriteTimeout(Duration d) {
        return new ServerLimits(maxPayload, maxOptionLength, maxConnections, inFlightRequests, inFlightBytes,
                workersPerConnection, handshakeTimeout, d, drainTimeout);
    }

    public ServerLimits withWorkersPerConnection(int n) {
        return new ServerLimits(maxPayload, maxOptionLength, maxConnections, inFlightRequests, inFlightBytes,
                n, handshakeTimeout, stalledWriteTimeout, drainTimeout);
    }

    public ServerLimits withMaxConnections(int n) {
        return new ServerLimits(maxPayload, maxOptionLength, n, inFlightRequests, inFlightBytes,
                workersPerConnection, handshakeTimeout, stalledWriteTimeout, drainTimeout);
    }
}
