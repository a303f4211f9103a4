package org.strata.storage.rbd;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** librados' and librbd's negative error codes as one-line exceptions. */
final class CephErrors {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int EROFS = 30;
    static final int ESHUTDOWN = 108;
    static final int ETIMEDOUT = 110;
    static final int EACCES = 13;

    private CephErrors() {
    }

    /** {@code WHAT: TEXT} for the code {@code rc} (negative), as a file error where one fits. */
    static IOException failure(String what, long rc) {
        int errno = (int) -rc;
        String message = what + ": " + text(errno);
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(message);
            case EPERM, EACCES -> new AccessDeniedException(message);
            default -> new IOException(message);
        };
    }

    private static String text(int errno) {
        return switch (errno) {
            case EPERM, EACCES -> CephApi.strerror(errno) + " (the Ceph user lacks the capability)";
            case ESHUTDOWN -> CephApi.strerror(errno) + " (this client was blocklisted: another client broke its lock)";
            case ETIMEDOUT -> "the cluster did not answer in time (" + CephApi.strerror(errno) + ")";
            default -> CephApi.strerror(errno);
        };
    }
}
