package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;
import static org.strata.itests.dist.StrataInstall.strataWithInput;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;

/** bin/strata against one running daemon: exec, shell, run beside it, hot deploy. */
class DaemonTest {

    /** exactly as given: shell quoting, Gogo syntax, option look-alikes, empty strings */
    static final List<String> AWKWARD_ARGUMENTS = List.of("a b", "", "  ", "it's", "say \"hi\"", "true", "false",
            "{", "}", "$x", "${x}", "-o", "--output=json", "key=val,k2=v2", "*", "a;b", "|", "\\", "#", "null",
            "2", "(x)", "~", "é☃", "line1\nline2");

    static Path home;
    static Daemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        home = StrataInstall.newHome();
        daemon = Daemon.start(home);
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String expectedEcho(List<String> values) {
        StringBuilder s = new StringBuilder();
        for (String v : values) {
            s.append('[').append(v).append("]\n");
        }
        return s.toString();
    }

    @Test
    void execRunsAGogoBuiltin() throws Exception {
        Result r = strata(home, home, "exec", "lb");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("Strata management socket"), r.toString());
        assertEquals("", r.err());
    }

    @Test
    void socketIsOwnerOnly() throws Exception {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("run"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket())));
    }

    @Test
    void argumentsArriveIntactOverTheSocket() throws Exception {
        List<String> args = new ArrayList<>(List.of("exec", "test:echo"));
        args.addAll(AWKWARD_ARGUMENTS);
        Result r = strata(home, home, args.toArray(new String[0]));
        assertEquals(0, r.status(), r.toString());
        assertEquals(expectedEcho(AWKWARD_ARGUMENTS), r.out());
    }

    @Test
    void argumentsArriveIntactInRunBesideTheDaemon() throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "test:echo"));
        args.addAll(AWKWARD_ARGUMENTS);
        Result r = strata(home, home, args.toArray(new String[0]));
        assertEquals(0, r.status(), r.toString());
        assertEquals(expectedEcho(AWKWARD_ARGUMENTS), r.out());
        assertEquals("run", strata(home, home, "run", "test:mode").out().trim());
        assertEquals("daemon", strata(home, home, "exec", "test:mode").out().trim(), "the daemon is undisturbed");
    }

    @Test
    void exitStatusAndErrors() throws Exception {
        assertEquals(7, strata(home, home, "exec", "test:exit", "7").status());
        assertEquals(7, strata(home, home, "run", "test:exit", "7").status());

        Result fail = strata(home, home, "exec", "test:fail");
        assertEquals(1, fail.status());
        assertEquals(List.of("strata: deliberate failure"), fail.errLines());

        Result debug = strata(home, home, "--debug", "exec", "test:fail");
        assertEquals(1, debug.status());
        assertTrue(debug.err().contains("java.lang.IllegalStateException"), debug.toString());

        Result unknown = strata(home, home, "exec", "no:such");
        assertEquals(1, unknown.status());
        assertEquals(List.of("strata: Command not found: no:such"), unknown.errLines());
    }

    @Test
    void sessionConventions() throws Exception {
        Path cwd = Files.createDirectories(home.resolve("work/sub"));
        Result r = strata(home, cwd, "--allow-root", "../other", "--allow-root=/abs/dir", "--allow-root",
                "http://host/dir/", "exec", "test:env");
        assertEquals(0, r.status(), r.toString());
        // --allow-root values arrive as given: directories relative to cwd, or URL prefixes
        assertEquals("cwd=" + cwd.toRealPath() + "\ntty=false\ndebug=false\n"
                + "allowRoots=[../other, /abs/dir, http://host/dir/]\n", r.out());
        assertEquals("this goes to stderr\n", r.err());
    }

    @Test
    void clientsAreServedInParallel() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            long start = System.nanoTime();
            List<Future<Result>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> strata(home, home, "exec", "test:sleep", "3000")));
            }
            for (Future<Result> f : results) {
                Result r = f.get(60, TimeUnit.SECONDS);
                assertEquals(0, r.status(), r.toString());
                assertEquals("sleeping\nslept\n", r.out());
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(seconds < 10, "4 clients sleeping 3 s each took " + seconds + " s");
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aClientThatDisconnectsMidCommandDoesNotHurtTheDaemon() throws Exception {
        Process client = StrataInstall.command(home, home, "exec", "test:sleep", "1500").start();
        Thread.sleep(700);
        client.destroyForcibly();
        client.waitFor();
        Thread.sleep(1500);
        Result r = strata(home, home, "exec", "test:echo", "still here");
        assertEquals(0, r.status(), r.toString());
        assertEquals("[still here]\n", r.out());
    }

    @Test
    void shellRunsLinesInOneSessionAndExitLeavesTheDaemonRunning() throws Exception {
        Result r = strataWithInput(home, "x = 'a b'\ntest:echo $x\nno:such\nexit\ntest:echo never\n", "shell");
        assertEquals(1, r.status(), "like sh, the status of the last command: " + r);
        assertEquals("a b\n[a b]\n", r.out(), "results are printed as Gogo's console does, assignments too");
        assertEquals(List.of("strata: Command not found: no:such"), r.errLines());
        assertTrue(daemon.process.isAlive());
        assertEquals(0, strata(home, home, "exec", "lb").status());
    }

    @Test
    void aSecondDaemonOnTheSameHomeIsRefused() throws Exception {
        Result r = strata(home, home, "daemon");
        assertEquals(1, r.status(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("strata: a daemon is already running"), r.toString());
        assertEquals(0, strata(home, home, "exec", "lb").status());
    }

    @Test
    void severalRunsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Result>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String n = Integer.toString(i);
                results.add(pool.submit(() -> strata(home, home, "run", "test:echo", n)));
            }
            for (int i = 0; i < 3; i++) {
                Result r = results.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(0, r.status(), r.toString());
                assertEquals("[" + i + "]\n", r.out());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aDriverJarMovedOutOfDeployAndBack() throws Exception {
        Path deploy = home.resolve("deploy");
        Path jar;
        try (var jars = Files.list(deploy)) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("strata-format-raw")).findFirst()
                    .orElseThrow();
        }
        Path aside = Files.createDirectories(home.resolve("aside")).resolve(jar.getFileName());
        assertTrue(driverList().contains("org.strata.format.raw"));

        Files.move(jar, aside, StandardCopyOption.ATOMIC_MOVE);
        long gone = awaitDriverList(false);
        Files.move(aside, jar, StandardCopyOption.ATOMIC_MOVE);
        long back = awaitDriverList(true);
        System.out.println("raw driver gone after " + gone + " ms, back after " + back + " ms");
    }

    private static String driverList() throws Exception {
        Result r = strata(home, home, "exec", "driver:list");
        assertEquals(0, r.status(), r.toString());
        return r.out();
    }

    private static long awaitDriverList(boolean present) throws Exception {
        long start = System.nanoTime();
        while (driverList().contains("org.strata.format.raw") != present) {
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertFalse(elapsed > 5000, "raw driver " + (present ? "not back" : "still there") + " after 5 s");
            Thread.sleep(100);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
