package org.strata.core.ops;

import java.io.IOException;

/** An operation stopped because it was cancelled; what it wrote so far is consistent. */
public final class OperationCancelled extends IOException {
    private static final long serialVersionUID = 1L;

    public OperationCancelled() {
        super("Operation cancelled");
    }
}
