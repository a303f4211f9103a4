package org.strata.shell;

/** Wrong options or arguments: printed with a pointer to --help, exit status 1. */
final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
