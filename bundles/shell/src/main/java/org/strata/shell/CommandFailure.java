package org.strata.shell;

/** A failure that carries its own exit status (qemu-img's 2 for compare errors, say). */
final class CommandFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    CommandFailure(String message, int status) {
        super(message);
        this.status = status;
    }

    CommandFailure(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    int status() {
        return status;
    }
}
