package org.strata.api;

import java.io.IOException;

/** An image whose metadata is invalid, inconsistent or hostile. */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
