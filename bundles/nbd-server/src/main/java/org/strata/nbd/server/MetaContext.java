package org.strata.nbd.server;

import java.util.ArrayList;
import java.util.List;

import org.strata.nbd.protocol.Nbd;

/**
 * The metadata contexts the server offers for NBD_CMD_BLOCK_STATUS: {@code base:allocation} (holes and zeroes)
 * and QEMU's {@code qemu:allocation-depth} (which layer of the backing chain provides the data).
 */
enum MetaContext {
    BASE_ALLOCATION(Nbd.CONTEXT_BASE_ALLOCATION, 1),
    ALLOCATION_DEPTH(Nbd.CONTEXT_ALLOCATION_DEPTH, 2);

    final String contextName;
    final int id;

    MetaContext(String contextName, int id) {
        this.contextName = contextName;
        this.id = id;
    }

    private String namespace() {
        return contextName.substring(0, contextName.indexOf(':') + 1);
    }

    /**
     * The contexts NBD_OPT_LIST_META_CONTEXT reports: all without queries; for each query its exact context or,
     * for a bare namespace ({@code base:}, {@code qemu:}), every context in it. Unknown queries find nothing.
     */
    static List<MetaContext> list(List<String> queries) {
        if (queries.isEmpty()) {
            return List.of(values());
        }
        List<MetaContext> found = new ArrayList<>();
        for (MetaContext c : values()) {
            for (String q : queries) {
                if (q.equals(c.contextName) || q.equals(c.namespace())) {
                    found.add(c);
                    break;
                }
            }
        }
        return found;
    }

    /** The contexts NBD_OPT_SET_META_CONTEXT selects: exact names only; wildcards and unknown names select none. */
    static List<MetaContext> select(List<String> queries) {
        List<MetaContext> found = new ArrayList<>();
        for (MetaContext c : values()) {
            if (queries.contains(c.contextName)) {
                found.add(c);
            }
        }
        return found;
    }
}
