package org.strata.launcher.framework;

import java.lang.management.ManagementFactory;

/**
 * With {@code -Dstrata.timing=true} (e.g. in JAVA_OPTS), prints to stderr when each start-up phase ended, counted
 * from the JVM's start, and the CPU time the process had used by then (every thread, the JIT's included: on a
 * loaded machine the steadier figure): the figures behind docs/startup.md.
 */
final class StartupTiming {

    private static final boolean ENABLED = Boolean.getBoolean("strata.timing");

    private StartupTiming() {
    }

    static void mark(String phase) {
        if (ENABLED) {
            long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            long cpuNanos = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            System.err.println("strata: timing: " + phase + " at " + sinceJvmStart + " ms, CPU " + cpuNanos / 1_000_000
                    + " ms");
        }
    }
}
