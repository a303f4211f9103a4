package org.strata.storage.nbd;

import java.io.IOException;

/** The connection broke (or the server is shutting down) before the request was answered: worth a reconnect. */
final class ConnectionLost extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectionLost(String message, Throwable cause) {
        super(message, cause);
    }
}
