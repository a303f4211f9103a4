package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;

/** Starting and stopping: no daemon, SIGTERM, usage errors. */
class LifecycleTest {

    @Test
    void execWithoutADaemonSaysSoInOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Result r = strata(home, home, "exec", "lb");
        assertTrue(r.status() != 0, r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("strata: no daemon is answering on " + home.resolve("run/strata.sock")),
                r.toString());
        assertEquals("", r.out());
    }

    @Test
    void sigtermStopsTheFrameworkAndExitsZero() throws Exception {
        Path home = StrataInstall.newHome();
        Daemon daemon = Daemon.start(home);
        assertTrue(Files.exists(daemon.socket()));
        assertEquals(0, daemon.terminate(), Files.readString(daemon.stderr));
        assertTrue(Files.exists(home.resolve("var/testcmd-stopped")), "bundles were stopped before the exit");
        assertFalse(Files.exists(daemon.socket()), "the socket is removed");
    }

    @Test
    void sigtermStopsARunCleanly() throws Exception {
        Path home = StrataInstall.newHome();
        Process run = StrataInstall.command(home, home, "run", "test:sleep", "60000").start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(run.getInputStream()))) {
            assertEquals("sleeping", out.readLine());
            run.destroy();
            assertTrue(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertEquals(128 + 15, run.exitValue(), "the framework was stopped, then the usual status for SIGTERM");
        assertFalse(Files.exists(home.resolve("var/tmp")), "the run used a prepared cache, no temporary one");
        assertTrue(Files.exists(home.resolve("var/run-cache/0/strata.fingerprint")), "and left it prepared");
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path home = StrataInstall.newHome();
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/strata.sock"), "left over by a killed daemon");
        try (Daemon daemon = Daemon.start(home)) {
            assertEquals(0, strata(home, home, "exec", "lb").status());
        }
    }

    @Test
    void usageErrorsAreOneLineFirst() throws Exception {
        Path home = StrataInstall.newHome();
        Result r = strata(home, home, "frobnicate");
        assertEquals(1, r.status());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("strata: unknown subcommand frobnicate; usage: strata"), r.toString());
        Result noCommand = strata(home, home, "run");
        assertEquals(1, noCommand.status());
    }
}
