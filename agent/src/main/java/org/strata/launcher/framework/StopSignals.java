package org.strata.launcher.framework;

import sun.misc.Signal;

/**
 * For the daemon, SIGTERM and SIGINT are the normal way to stop: the JVM exits with status 0 (not 128 + the
 * signal), through its ordinary shutdown, so the shutdown hook stops the framework and the JDK's own clean-up
 * (files marked delete-on-exit) still runs.
 */
final class StopSignals {

    private StopSignals() {
    }

    static void exitZero() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> System.exit(0));
            } catch (RuntimeException | LinkageError e) {
                System.err.println("strata: warning: cannot handle SIG" + name + " (" + e
                        + "); the daemon's exit status after it will be 128 + its number");
            }
        }
    }
}
