package org.strata.nbd.server;

import java.io.IOException;

/** A request that fails with a specific NBD error code and a message for the client's user. */
final class NbdError extends IOException {
    private static final long serialVersionUID = 1L;

    final int code;

    NbdError(int code, String message) {
        super(message);
        this.code = code;
    }
}
