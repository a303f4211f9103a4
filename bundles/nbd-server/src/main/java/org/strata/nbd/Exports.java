package org.strata.nbd;

import java.io.IOException;
import java.util.List;

/**
 * The agent's NBD exports of its nodes, persisted across restarts of the daemon (var/exports.json).
 */
public interface Exports {

    /**
     * An export as persisted.
     *
     * @param name     the export name clients ask for
     * @param node     the node it serves
     * @param writable whether clients may write
     */
    record Spec(String name, String node, boolean writable) {
    }

    /** Starts serving a node and remembers it. */
    void add(Spec spec) throws IOException;

    /** Stops serving (in-flight requests finish, the image is flushed) and forgets it; false when unknown. */
    boolean remove(String name) throws IOException;

    /** Every persisted export, in the order added. */
    List<Spec> specs();

    /** What the NBD server serves now (connections, sizes). */
    List<ExportInfo> served();

    /** Where the NBD server listens. */
    List<String> listenAddresses();
}
