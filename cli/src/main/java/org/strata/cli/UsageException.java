package org.strata.cli;

/** Wrong options or operands: one line, which a command prints with a pointer to its usage. */
public final class UsageException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
