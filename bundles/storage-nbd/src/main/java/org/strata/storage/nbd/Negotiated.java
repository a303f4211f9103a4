package org.strata.storage.nbd;

import org.strata.nbd.protocol.Nbd;

/**
 * What the handshake established about the export and the connection.
 *
 * @param size             export size in bytes
 * @param flags            transmission flags
 * @param minBlock         minimum block size (alignment of offsets and lengths)
 * @param maxPayload       largest READ/WRITE payload the server accepts
 * @param structured       structured replies were negotiated
 * @param extended         extended headers were negotiated
 * @param allocationContext id of the base:allocation context, or -1 when the server has none
 */
record Negotiated(long size, int flags, int minBlock, int maxPayload, boolean structured, boolean extended,
        long allocationContext) {

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    boolean readOnly() {
        return has(Nbd.FLAG_READ_ONLY);
    }
}
