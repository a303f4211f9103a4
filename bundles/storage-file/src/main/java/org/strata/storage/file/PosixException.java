package org.strata.storage.file;

import java.io.IOException;

/** A failed native call: the errno and its text ({@code strerror}). */
final class PosixException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    PosixException(int errno, String text) {
        super(text);
        this.errno = errno;
    }

    int errno() {
        return errno;
    }

    /** Whether the file system or device does not offer the operation at all. */
    boolean unsupported() {
        return errno == Posix.EOPNOTSUPP || errno == Posix.ENOSYS || errno == Posix.ENOTTY;
    }
}
