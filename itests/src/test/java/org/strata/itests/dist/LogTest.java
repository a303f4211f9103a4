package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;

/**
 * Log records belong to the daemon's stderr, one line each (time, level, logger, message), never to a client's
 * output, whichever thread writes them; in {@code strata run} only warnings and errors show, as one line each.
 */
class LogTest {

    private static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}";

    @Test
    void execPrintsNothingOfTheDaemonsLog() throws Exception {
        Path home = StrataInstall.newHome();
        try (Daemon daemon = Daemon.start(home)) {
            assertEquals("", ok(strata(home, home, "exec", "image:create", "-f", "raw", "disk.raw", "1M")).err());
            assertEquals("", ok(strata(home, home, "exec", "node:add", "--name", "vm1", "disk.raw")).err());
            for (int i = 0; i < 3; i++) {
                Result added = ok(strata(home, home, "exec", "export:add", "--writable", "vm1"));
                assertEquals("", added.err(), added.toString());
                assertEquals(List.of("Export 'vm1' of node 'vm1' added (writable): nbd+unix:///vm1?socket="
                        + home.resolve("run/nbd.sock")), added.out().lines().toList());
                Result removed = ok(strata(home, home, "exec", "export:remove", "vm1"));
                assertEquals("Export 'vm1' removed\n", removed.out() + removed.err(), removed.toString());
            }
            Result logged = ok(strata(home, home, "exec", "test:log", "WARNING", "careful\nnow"));
            assertEquals("", logged.out() + logged.err(), logged.toString());

            String log = awaitLine(daemon, TIME + " WARNING org\\.strata\\.itests: careful now");
            assertEquals(3, count(log, TIME + " INFO org\\.strata\\.nbd: NBD export 'vm1' added \\(writable, 1048576"
                    + " bytes\\)"), log);
            assertEquals(3, count(log, TIME + " INFO org\\.strata\\.nbd: NBD export 'vm1' removed"), log);
        }
    }

    @Test
    void runShowsOnlyWarningsAsOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Result info = ok(strata(home, home, "run", "test:log", "INFO", "chatter"));
        assertEquals("", info.out() + info.err(), info.toString());
        Result warning = ok(strata(home, home, "run", "test:log", "WARNING", "careful"));
        assertEquals("", warning.out(), warning.toString());
        assertEquals("strata: warning: careful\n", warning.err(), warning.toString());
        Result error = ok(strata(home, home, "run", "test:log", "ERROR", "broken"));
        assertEquals("strata: error: broken\n", error.err(), error.toString());
    }

    private static Result ok(Result r) {
        assertEquals(0, r.status(), r.toString());
        return r;
    }

    /** The daemon's stderr once it has a line matching {@code regex} (the log is written asynchronously). */
    private static String awaitLine(Daemon daemon, String regex) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            String log = Files.readString(daemon.stderr);
            if (count(log, regex) > 0 || System.nanoTime() > deadline) {
                assertEquals(1, count(log, regex), "a line " + regex + " in the daemon's stderr:\n" + log);
                return log;
            }
            Thread.sleep(50);
        }
    }

    private static long count(String log, String regex) {
        Pattern line = Pattern.compile(regex);
        return log.lines().filter(l -> line.matcher(l).matches()).count();
    }
}
