package org.strata.nbd.protocol;

import java.io.IOException;

/** The peer broke the protocol: only a hard disconnect is left, and connecting again would not help. */
public final class ProtocolViolation extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolViolation(String message) {
        super(message);
    }
}
