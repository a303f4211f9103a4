package org.strata.shell;

import java.io.PrintStream;

/**
 * qemu-img's {@code -p} progress: {@code (42.00/100%)} redrawn in place on a terminal, or one line per whole
 * percent when the output is not a terminal.
 */
final class Progress {

    private final PrintStream out;
    private final boolean tty;
    private final boolean enabled;
    private long total;
    private long done;
    private int lastShown = -1;

    Progress(PrintStream out, boolean tty, boolean enabled, long total) {
        this.out = out;
        this.tty = tty;
        this.enabled = enabled;
        this.total = Math.max(1, total);
    }

    synchronized void total(long bytes) {
        total = Math.max(1, bytes);
        show();
    }

    synchronized void advance(long bytes) {
        done += bytes;
        show();
    }

    private void show() {
        if (!enabled) {
            return;
        }
        double pct = Math.min(100.0, done * 100.0 / total);
        int whole = (int) pct;
        if (whole == lastShown && pct < 100.0) {
            return;
        }
        lastShown = whole;
        if (tty) {
            out.printf("    (%.2f/100%%)\r", pct);
        } else {
            out.printf("    (%.2f/100%%)%n", pct);
        }
        out.flush();
    }

    synchronized void finish() {
        if (enabled && tty) {
            out.println();
        }
    }
}
