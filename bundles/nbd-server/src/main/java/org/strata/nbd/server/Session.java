package org.strata.nbd.server;

import java.util.List;

/**
 * What the handshake agreed on.
 *
 * @param structured structured replies (NBD_OPT_STRUCTURED_REPLY)
 * @param extended   extended headers (NBD_OPT_EXTENDED_HEADERS): 32-byte requests and replies
 * @param contexts   the metadata contexts BLOCK_STATUS reports, with their ids
 * @param flags      the transmission flags sent to the client
 */
record Session(Export export, boolean structured, boolean extended, List<MetaContext> contexts, int flags) {

    /** Whether replies may carry payloads (structured or extended). */
    boolean chunked() {
        return structured || extended;
    }
}
