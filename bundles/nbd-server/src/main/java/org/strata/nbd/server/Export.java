package org.strata.nbd.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;
import org.strata.nbd.protocol.Nbd;

/** An image served under a name, with the connections that use it. */
final class Export {

    final String name;
    final String description;
    final ImageHandle handle;
    final boolean writable;
    /** The preferred block size advertised to clients: a power of two, at least 4 KiB. */
    final int preferredBlockSize;

    private volatile long size;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private boolean removed; // guarded by this

    Export(String name, String description, ImageHandle handle, boolean writable, long size, int reqAlign) {
        this.name = name;
        this.description = description;
        this.handle = handle;
        this.writable = writable;
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
