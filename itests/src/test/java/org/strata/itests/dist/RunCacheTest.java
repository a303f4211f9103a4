package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * {@code strata run} keeps its framework cache prepared in var/run-cache between runs: reused while bundle/ and
 * deploy/ stay as they were, made afresh when they change, one per concurrent run, and nothing but the installed
 * bundles (and JNA's library path) carries over from one run to the next.
 */
class RunCacheTest {

    @Test
    void aRunReusesThePreparedCacheUntilDeployChanges() throws Exception {
        Path home = StrataInstall.newHome();
        assertTrue(driverList(home).contains("vdi"));
        Path slot = home.resolve("var/run-cache/0");
        assertTrue(Files.exists(slot.resolve("strata.fingerprint")), "the first run prepares a cache");
        Path marker = Files.writeString(slot.resolve("marker"), "left by the test");

        assertTrue(driverList(home).contains("vdi"));
        assertTrue(Files.exists(marker), "the second run reuses the cache as it is");

        try (var jars = Files.newDirectoryStream(home.resolve("deploy"), "strata-format-vdi-*.jar")) {
            for (Path jar : jars) {
                Files.delete(jar);
            }
        }
        assertFalse(driverList(home).contains("vdi"), "a driver removed from deploy/ is gone at the next run");
        assertFalse(Files.exists(marker), "the cache was made afresh");
    }

    @Test
    void aDamagedCacheCostsOneLineAndIsRepaired() throws Exception {
        Path home = StrataInstall.newHome();
        driverList(home);
        Files.writeString(home.resolve("var/run-cache/0/bundle1/bundle.info"), "damaged\n");
        Result damaged = strata(home, home, "run", "driver:list");
        assertEquals(0, damaged.status(), damaged.toString());
        assertTrue(damaged.out().contains("qcow2"), damaged.toString());
        assertEquals(1, damaged.errLines().size(), "one line, no stack trace: " + damaged);
        assertTrue(damaged.err().startsWith("strata: error: Error reloading cached bundle"), damaged.toString());
        assertTrue(driverList(home).contains("qcow2"), "and the next run is quiet again");
    }

    @Test
    void configurationsDoNotOutliveTheirFileInEtc() throws Exception {
        Path home = StrataInstall.newHome();
        assertEquals("greeting=hello from etc\n", strata(home, home, "run", "test:config", "org.strata.itests",
                "greeting").out());
        Files.delete(home.resolve("etc/org.strata.itests.cfg"));
        Result r = strata(home, home, "run", "test:config", "org.strata.itests", "greeting");
        assertEquals("no configuration org.strata.itests\n", r.out(), r.toString());
    }

    @Test
    void concurrentRunsEachGetACacheOfTheirOwn() throws Exception {
        Path home = StrataInstall.newHome();
        Process sleeper = StrataInstall.command(home, home, "run", "test:sleep", "60000").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(sleeper.getInputStream()))) {
            assertEquals("sleeping", out.readLine());
            assertTrue(driverList(home).contains("qcow2"), "a second run works while the first holds its cache");
            assertTrue(Files.exists(home.resolve("var/run-cache/1/strata.fingerprint")), "in a slot of its own");
        } finally {
            sleeper.destroy();
            assertTrue(sleeper.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(128 + 15, sleeper.exitValue());
        assertTrue(driverList(home).contains("qcow2"), "the slots are free again");
        assertFalse(Files.exists(home.resolve("var/run-cache/2")));
    }

    @Test
    void aPreparedCacheKeepsJnasLibraryPathSoNoRunAfterTheFirstStartsLdconfig() throws Exception {
        Path home = StrataInstall.newHome();
        QemuTools.run("qemu-img", "create", "-f", "qcow2", home.resolve("x.qcow2").toString(), "1M").ok();
        String first = processesStarted(home, "image:info", "x.qcow2");
        assertTrue(first.contains("/sbin/ldconfig"), "JNA computes its library path once: " + first);
        String kept = Files.readString(home.resolve("var/run-cache/0/jna.platform.library.path"));
        assertTrue(kept.contains("/lib"), kept);

        String second = processesStarted(home, "image:info", "x.qcow2");
        assertFalse(second.contains("ldconfig"), "the next run uses the path kept in its cache: " + second);
    }

    /** {@code strata run ARGS} under strace: the programs its processes executed, one line each. */
    private static String processesStarted(Path home, String... args) throws Exception {
        Path log = Files.createTempFile(home, "execve", ".log");
        List<String> run = new ArrayList<>(List.of("run"));
        run.addAll(List.of(args));
        ProcessBuilder traced = StrataInstall.command(home, home, run.toArray(new String[0]));
        traced.command().addAll(0, List.of("strace", "-f", "-qq", "-e", "trace=execve", "-o", log.toString()));
        Result r = StrataInstall.collect(traced.start(), null);
        assertEquals(0, r.status(), r.toString());
        return Files.readString(log);
    }

    private static String driverList(Path home) throws Exception {
        Result r = strata(home, home, "run", "driver:list");
        assertEquals(0, r.status(), r.toString());
        assertEquals("", r.err(), r.toString());
        return r.out();
    }
}
