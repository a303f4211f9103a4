package org.strata.nbd.server;

import java.io.IOException;

/** The client broke the protocol in a way that leaves only a hard disconnect. */
final class ProtocolViolation extends IOException {
    private static final long serialVersionUID = 1L;

    ProtocolViolation(String message) {
        super(message);
    }
}
