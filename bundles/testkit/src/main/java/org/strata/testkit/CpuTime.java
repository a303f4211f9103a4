package org.strata.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by this JVM and by the child processes it waited for (the tools, clients and daemons a test ran),
 * from Linux's /proc/self/stat: what a test costs, apart from how loaded the machine it ran on was.
 */
public final class CpuTime {

    /** /proc reports times in USER_HZ, 100 per second on Linux whatever the kernel's own tick. */
    private static final double TICKS_PER_SECOND = 100;

    private CpuTime() {
    }

    /** Seconds of CPU (user and system) used so far by this process and its waited-for children. */
    public static double seconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // after "pid (comm) ", fields 3.. follow; utime, stime, cutime, cstime are fields 14 to 17
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = 0;
            for (int i = 11; i <= 14; i++) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
