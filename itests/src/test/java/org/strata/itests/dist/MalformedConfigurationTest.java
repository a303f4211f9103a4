package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * A configuration in etc/ that does not parse (a setting of org.strata.agent.cfg or org.strata.nbd.cfg, a file that
 * cannot be read at all): one line; the daemon does not start, or keeps the configuration in force.
 */
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
            awaitExitZero(home, "node:add", outside.toString());
            assertEquals(0, daemon.terminate());
        }
    }

    /** java.util.Properties' word (and FileInstall's reason) for a bad escape such as {@code \\uzzzz}. */
    private static final String BAD_ESCAPE = "Malformed \\uxxxx encoding.";

    @Test
    void aFileThatCannotBeReadStopsTheStartWithOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.nbd.cfg");
        Files.writeString(cfg, "listen=\\uzzzz\n");
        Result daemon = StrataInstall.collect(StrataInstall.command(home, home, "daemon").start(), null);
        assertNotEquals(0, daemon.status(), daemon.toString());
        List<String> lines = daemon.errLines();
        assertEquals("strata: " + cfg + ": " + BAD_ESCAPE, lines.get(lines.size() - 1), daemon.toString());
        assertFalse(daemon.err().contains("\tat "), "no stack trace: " + daemon);
        assertFalse(Files.exists(home.resolve("run/strata.sock")), daemon.toString());

        Result run = strata(home, home, "run", "image:info", "--help");
        assertNotEquals(0, run.status(), run.toString());
        assertEquals(List.of("strata: " + cfg + ": " + BAD_ESCAPE), run.errLines(), run.toString());
    }

    @Test
    void aFileThatCannotBeReadAtAReloadKeepsTheConfigurationInForce() throws Exception {
        Path home = StrataInstall.newHome();
        Path images = Files.createDirectories(home.resolve("images"));
        Path cfg = home.resolve("etc/org.strata.agent.cfg");
        Files.writeString(cfg, "allowed.roots=" + images + "\nnodes.restrict.to.roots=true\n");
        Path outside = home.resolve("outside.raw");
        QemuTools.run("qemu-img", "create", "-f", "raw", outside.toString(), "1M").ok();
        try (Daemon daemon = Daemon.start(home)) {
            Files.writeString(cfg, "nodes.restrict.to.roots=false\nallowed.roots=\\uzzzz\n");
            awaitLog(daemon, "ERROR org.strata.ctl: " + cfg + ": " + BAD_ESCAPE + "; the configuration in force stays");
            Result refused = strata(home, home, "exec", "node:add", outside.toString());
            assertNotEquals(0, refused.status(), refused.toString());
            assertTrue(refused.err().contains("nodes.restrict.to.roots"), refused.toString());

            Path typed = home.resolve("etc/org.strata.itests.typed.config");
            Files.writeString(typed, "count=I\"3\n");
            awaitLog(daemon, "ERROR org.strata.ctl: " + typed + ": not in the .config format (");
            assertFalse(daemon.log().contains("\tat "), "no stack trace: " + daemon.log());

            Files.writeString(cfg, "nodes.restrict.to.roots=false\n");
            awaitExitZero(home, "node:add", outside.toString());
            assertEquals(0, daemon.terminate());
        }
    }

    @Test
    void aBadNbdSettingKeepsTheListenersInForce() throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.nbd.cfg");
        Path socket = home.resolve("run/nbd.sock");
        Files.writeString(cfg, "listen=unix:" + socket + "\n");
        try (Daemon daemon = Daemon.start(home, null)) {
            daemon.serveNewQcow2("disk", 1 << 20);
            String still = "; still listening on unix:" + socket + " as before";
            Map<String, String> badSettings = new LinkedHashMap<>();
            badSettings.put("listen=nonsense:99999",
                    "NBD listen address 'nonsense:99999': the port is not between 0 and 65535");
            badSettings.put("listen=no-such-host.invalid:10809",
                    "NBD listen address 'no-such-host.invalid:10809': unknown host no-such-host.invalid");
            badSettings.put("listen=unix:" + socket + "\ntls.cert=missing.pem\ntls.key=missing.pem",
                    "bad TLS configuration: " + home.resolve("etc/missing.pem") + ": no such file");
            badSettings.put("listen=unix:" + socket + "\nallow.clients=example.com",
                    "allow.clients: 'example.com' is not an address block such as 192.0.2.0/24 or 2001:db8::/32");
            for (Map.Entry<String, String> bad : badSettings.entrySet()) {
                Files.writeString(cfg, bad.getKey() + "\n");
                awaitLog(daemon, "ERROR org.strata.nbd: NBD server: " + cfg + ": " + bad.getValue() + still);
                assertTrue(QemuTools.qemuImg("info", daemon.nbd("disk")).contains("1 MiB"), bad.getKey());
                Result health = strata(home, home, "exec", "agent:health");
                assertTrue(health.out().contains("listening on unix:" + socket), health.toString());
            }
            assertFalse(daemon.log().contains("\tat "), "no stack trace: " + daemon.log());

            Path moved = home.resolve("run/nbd2.sock");
            Files.writeString(cfg, "listen=unix:" + moved + "\n");
            awaitLog(daemon, "NBD server listening on unix:" + moved);
            String info = QemuTools.run("nbdinfo", "nbd+unix:///disk?socket=" + moved).ok();
            assertTrue(info.contains("1048576"), info);
            assertFalse(Files.exists(socket), "the old listener is gone");
            assertEquals(0, daemon.terminate());
        }
    }

    @Test
    void aBadNbdSettingAtStartLeavesNbdOffUntilFixed() throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.nbd.cfg");
        Files.writeString(cfg, "listen=nonsense:99999\n");
        try (Daemon daemon = Daemon.start(home, null)) {
            awaitLog(daemon, "ERROR org.strata.nbd: NBD server: " + cfg + ": NBD listen address 'nonsense:99999': "
                    + "the port is not between 0 and 65535; not listening");
            Result health = strata(home, home, "exec", "agent:health");
            assertTrue(health.out().contains("the NBD server listens nowhere"), health.toString());

            Path socket = home.resolve("run/nbd.sock");
            Files.writeString(cfg, "listen=unix:" + socket + "\n");
            awaitLog(daemon, "NBD server listening on unix:" + socket);
            daemon.serveNewQcow2("disk", 1 << 20);
            assertTrue(QemuTools.qemuImg("info", daemon.nbd("disk")).contains("1 MiB"));
            assertEquals(0, daemon.terminate());
        }
    }

    private static void awaitExitZero(Path home, String... command) throws Exception {
        List<String> exec = new ArrayList<>(List.of("exec"));
        exec.addAll(List.of(command));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Result r;
        while ((r = strata(home, home, exec.toArray(new String[0]))).status() != 0) {
            if (System.nanoTime() > deadline) {
                fail("a good reload was not applied: " + r);
            }
            Thread.sleep(200);
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
