package org.strata.shell;

import java.io.PrintStream;
import java.util.Locale;

/**
 * qemu-img's {@code -p} progress, as qemu-img prints it whether or not the output is a terminal: {@code
 * (42.00/100%)} followed by a carriage return, shown at 0, at 100 and whenever it moved more than one percent
 * since it was last shown; the end repeats 100 when the work completed, then ends the line.
 */
final class Progress {

    /** qemu-img's {@code min_skip}: percent to move before the figure is shown again. */
    private static final double MIN_STEP = 1.0;

    private final PrintStream out;
    private final boolean enabled;
    private long total;
    private long done;
    private double lastShown;

    Progress(PrintStream out, boolean enabled, long total) {
        this.out = out;
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
        double pct = Math.min(100.0, done * 100.0 / total);
        if (pct > lastShown + MIN_STEP || pct == 100.0 || pct == 0.0) {
            lastShown = pct;
            print(pct);
        }
    }

    private void print(double pct) {
        if (enabled) {
            out.printf(Locale.ROOT, "    (%.2f/100%%)\r", pct);
            out.flush();
        }
    }

    /** Ends the progress line without showing a figure again (what came after the last figure stays on it). */
    synchronized void endLine() {
        if (enabled) {
            out.println();
        }
    }

    synchronized void finish() {
        if (done >= total) {
            print(100.0);
        }
        if (enabled) {
            out.println();
        }
    }
}
