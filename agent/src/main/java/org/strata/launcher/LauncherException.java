package org.strata.launcher;

/** A failure of the launcher itself (usage, no daemon, framework start): printed as one line, exit status 1. */
public final class LauncherException extends Exception {

    private static final long serialVersionUID = 1L;

    public LauncherException(String message) {
        super(message);
    }

    public LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
