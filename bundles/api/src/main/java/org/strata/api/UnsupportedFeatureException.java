package org.strata.api;

import java.io.IOException;

/** A request that this driver, image or backend does not support (an unknown feature, a read-only backend). */
public class UnsupportedFeatureException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFeatureException(String message) {
        super(message);
    }
}
