package org.strata.launcher.framework;

import java.lang.management.ManagementFactory;

/**
 * With {@code -Dstrata.timing=true} (e.g. in JAVA_OPTS), prints to stderr how long each start-up phase took,
 * counted from the JVM's start: the figures behind docs/startup.md.
 */
final class StartupTiming {

    private static final boolean ENABLED = Boolean.getBoolean("strata.timing");

    private StartupTiming() {
    }

    static void mark(String phase) {
        if (ENABLED) {
            long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            System.err.println("strata: timing: " + phase + " at " + sinceJvmStart + " ms");
        }
    }
}
