package org.strata.nbd.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;
import org.strata.core.metrics.IoStats;
import org.strata.nbd.protocol.Nbd;

/** An image served under a name, with the connections that use it. */
final class Export {

    final String name;
    final String description;
    final ImageHandle handle;
    final boolean writable;
    /** The preferred block size advertised to clients: a power of two, at least 4 KiB. */
    final int preferredBlockSize;
    /** The requests on this export; each is also counted in its node's statistics. */
    final IoStats stats;

    private volatile long size;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private boolean removed; // guarded by this

    Export(String name, String description, ImageHandle handle, boolean writable, long size, int reqAlign) {
        this.name = name;
        this.description = description;
        this.handle = handle;
        this.writable = writable;
        this.stats = new IoStats(IoStats.Target.export(name, handle.name()));
        this.size = size;
        int preferred = 4096;
        if (reqAlign > preferred && Integer.bitCount(reqAlign) == 1 && reqAlign <= 1 << 20) {
            preferred = reqAlign;
        }
        this.preferredBlockSize = preferred;
    }

    /** The size last seen; requests refresh it. */
    long size() {
        return size;
    }

    /** A request starts: counted in flight on the export and its node; returns its start for {@link #ended}. */
    long started() {
        handle.stats().begin();
        return stats.begin();
    }

    /**
     * The request started at {@code start} ended, having read and written so many bytes. The node's statistics are
     * updated first, so whoever sees the export's settled sees the node's too.
     */
    void ended(long start, long read, long written, boolean failed) {
        handle.stats().end(start, read, written, failed);
        stats.end(start, read, written, failed);
    }

    /** Asks the image for its size now (waits while the image is paused). */
    long refreshSize() throws IOException {
        long s = handle.call(FormatAccess::size);
        size = s;
        return s;
    }

    void sawSize(long s) {
        size = s;
    }

    /** Registers a connection entering transmission; false when the export is being removed. */
    synchronized boolean attach(Connection c) {
        if (removed) {
            return false;
        }
        connections.add(c);
        return true;
    }

    void detach(Connection c) {
        connections.remove(c);
    }

    int connectionCount() {
        return connections.size();
    }

    /** Refuses further connections and returns those attached now. */
    synchronized List<Connection> markRemoved() {
        removed = true;
        return new ArrayList<>(connections);
    }

    /** The transmission flags for a client with or without structured replies. */
    int transmissionFlags(boolean chunkedReplies) {
        // All connections share one image and FLUSH syncs it, so a flush covers every connection's writes.
        int flags = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA | Nbd.FLAG_CAN_MULTI_CONN
                | Nbd.FLAG_SEND_CACHE;
        if (writable) {
            flags |= Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_SEND_FAST_ZERO;
        } else {
            flags |= Nbd.FLAG_READ_ONLY;
        }
        if (chunkedReplies) {
            flags |= Nbd.FLAG_SEND_DF;
        }
        return flags;
    }
}
