package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Result;

/**
 * bin/strata-ready, the readiness check of strata.service (its ExecStartPost=): it returns once the daemon answers
 * on its management socket, and fails in one line when the daemon ends first or the time runs out.
 */
class ServiceReadinessTest {

    private static final Path READY = StrataInstall.DIST.resolve("bin").resolve("strata-ready");

    Path home;
    Process daemon;

    @BeforeEach
    void newHome() throws Exception {
        home = StrataInstall.newHome();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            daemon.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private Result ready(String... args) throws Exception {
        return StrataInstall.collect(StrataInstall.command(READY, home, home, args).start(), null);
    }

    @Test
    void returnsOnceTheDaemonAnswers() throws Exception {
        daemon = StrataInstall.command(home, home, "daemon")
                .redirectOutput(home.resolve("daemon.out").toFile())
                .redirectError(home.resolve("daemon.err").toFile()).start();
        Result r = ready("--pid", Long.toString(daemon.pid()));
        assertEquals(0, r.status(), r + Files.readString(home.resolve("daemon.err")));
        assertEquals("", r.out() + r.err());
        assertTrue(daemon.isAlive());
        assertEquals(0, StrataInstall.strata(home, home, "exec", "agent:status").status());
    }

    @Test
    void failsAtOnceWhenTheDaemonEndedBeforeAnswering() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long start = System.nanoTime();
        Result r = ready("--timeout", "60", "--pid", Long.toString(gone.pid()));
        assertEquals(1, r.status(), r.toString());
        assertEquals("strata-ready: the daemon (process " + gone.pid() + ") ended before it answered\n", r.err());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "it waited for the timeout");
    }

    @Test
    void failsWhenNoDaemonAnswersInTime() throws Exception {
        Result r = ready("--timeout=1");
        assertEquals(1, r.status(), r.toString());
        assertEquals("strata-ready: no answer within 1 s; last try: strata: no daemon is answering on "
                + home.resolve("run").resolve("strata.sock") + " (no socket)\n", r.err());
    }

    @Test
    void refusesBadArguments() throws Exception {
        Result r = ready("--timeout", "soon");
        assertEquals(2, r.status(), r.toString());
        assertEquals("strata-ready: --timeout takes whole seconds, not 'soon'\n", r.err());
        r = ready("--wait");
        assertEquals(2, r.status(), r.toString());
        assertEquals("strata-ready: unknown argument '--wait'\n"
                + "usage: strata-ready [--home DIR] [--timeout SECONDS] [--pid PID]\n", r.err());
    }
}
