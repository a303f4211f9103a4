package org.strata.cli.wire;

import java.io.IOException;

/** The other side of the management socket broke the protocol. */
public final class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super("management socket protocol error: " + message);
    }
}
