package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/** A setting of etc/org.strata.agent.cfg that does not parse: one line; the daemon does not start, or keeps the settings in force. */
class MalformedConfigurationTest {

    private static final String BAD_TIMEOUT = "pause.timeout: 'abc' is not a whole number of seconds (0 or more)";

    @Test
    void theDaemonRefusesToStartWithOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.agent.cfg");
        Files.writeString(cfg, "pause.timeout=abc\n");
        Result r = StrataInstall.collect(StrataInstall.command(home, home, "daemon").start(), null);
        assertNotEquals(0, r.status(), r.toString());
        List<String> lines = r.errLines();
        assertEquals("strata: " + cfg + ": " + BAD_TIMEOUT, lines.get(lines.size() - 1), r.toString());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertFalse(r.err().contains("Exception"), "no exception: " + r);
        assertFalse(Files.exists(home.resolve("run/strata.sock")), r.toString());
    }

    @Test
    void aReloadThatDoesNotParseKeepsTheSettingsInForce() throws Exception {
        Path home = StrataInstall.newHome();
        Path images = Files.createDirectories(home.resolve("images"));
        Path cfg = home.resolve("etc/org.strata.agent.cfg");
        Files.writeString(cfg, "allowed.roots=" + images + "\nnodes.restrict.to.roots=true\n");
        Path outside = home.resolve("outside.raw");
        QemuTools.run("qemu-img", "create", "-f", "raw", outside.toString(), "1M").ok();
        try (Daemon daemon = Daemon.start(home)) {
            Result refused = strata(home, home, "exec", "node:add", outside.toString());
            assertNotEquals(0, refused.status(), refused.toString());
            assertTrue(refused.err().contains("nodes.restrict.to.roots"), refused.toString());

            Files.writeString(cfg, "nodes.restrict.to.roots=false\npause.timeout=abc\n");
            awaitLog(daemon, "ERROR org.strata.core: " + cfg + ": " + BAD_TIMEOUT + "; the settings in force stay");
            Result stillRefused = strata(home, home, "exec", "node:add", outside.toString());
            assertNotEquals(0, stillRefused.status(), stillRefused.toString());
            assertTrue(stillRefused.err().contains("nodes.restrict.to.roots"), stillRefused.toString());

            Files.writeString(cfg, "nodes.restrict.to.roots=false\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Result added;
            while ((added = strata(home, home, "exec", "node:add", outside.toString())).status() != 0) {
                if (System.nanoTime() > deadline) {
                    fail("a good reload was not applied: " + added);
                }
                Thread.sleep(200);
            }
            assertEquals(0, daemon.terminate());
        }
    }

    private static void awaitLog(Daemon daemon, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!daemon.log().contains(line)) {
            if (System.nanoTime() > deadline) {
                fail("no '" + line + "' in the log:\n" + daemon.log());
            }
            Thread.sleep(100);
        }
    }
}
