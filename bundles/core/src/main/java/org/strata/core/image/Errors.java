package org.strata.core.image;

import java.nio.file.FileSystemException;

/** One-line descriptions of failures, for users. */
public final class Errors {
    private Errors() {
    }

    /** The most useful single line a failure has: a file error's reason, else its message, else its kind. */
    public static String oneLine(Throwable e) {
        String msg;
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            msg = fse.getReason();
        } else {
            msg = e.getMessage();
        }
        if (msg == null || msg.isBlank()) {
            msg = e.getClass().getSimpleName();
        }
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }
}
