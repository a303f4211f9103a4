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
    /** java.util.Properties' word (and FileInstall's reason) for a bad escape such as {@code \\uzzzz}. */
    private static final String BAD_ESCAPE = "Malformed \\uxxxx encoding.";

    @Test
    void theDaemonRefusesToStartWithOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.agent.cfg");
        Files.writeString(cfg, "pause.timeout=abc\n");
        assertTheDaemonRefusesToStart(home, "strata: " + cfg + ": " + BAD_TIMEOUT);
    }

    @Test
    void aReloadThatDoesNotParseKeepsTheSettingsInForce() throws Exception {
        assertABadReloadKeepsTheSettingsInForce("nodes.restrict.to.roots=false\npause.timeout=abc\n",
                "ERROR org.strata.core: CFG: " + BAD_TIMEOUT + "; the settings in force stay");
    }

    @Test
    void aFileThatCannotBeReadStopsTheStartWithOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.nbd.cfg");
        Files.writeString(cfg, "listen=\\uzzzz\n");
        assertTheDaemonRefusesToStart(home, "strata: " + cfg + ": " + BAD_ESCAPE);

        Result run = strata(home, home, "run", "image:info", "--help");
        assertNotEquals(0, run.status(), run.toString());
        assertEquals(List.of("strata: " + cfg + ": " + BAD_ESCAPE), run.errLines(), run.toString());
    }

    @Test
    void aConfigFileThatDoesNotParseStopsTheStartWithOneLine() throws Exception {
        Path home = StrataInstall.newHome();
        Path typed = home.resolve("etc/org.strata.itests.typed.config");
        Files.writeString(typed, "count=I\"3\n");
        assertTheDaemonRefusesToStart(home, "strata: " + typed + ": not in the .config format (For input string: "
                + "\"3 \")");
    }

    @Test
    void aFileThatCannotBeReadAtAReloadKeepsTheConfigurationInForce() throws Exception {
        assertABadReloadKeepsTheSettingsInForce("nodes.restrict.to.roots=false\nallowed.roots=\\uzzzz\n",
                "ERROR org.strata.ctl: CFG: " + BAD_ESCAPE + "; the configuration in force stays");
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

    private static void assertTheDaemonRefusesToStart(Path home, String lastLine) throws Exception {
        Result r = StrataInstall.collect(StrataInstall.command(home, home, "daemon").start(), null);
        assertNotEquals(0, r.status(), r.toString());
        List<String> lines = r.errLines();
        assertEquals(lastLine, lines.get(lines.size() - 1), r.toString());
        assertFalse((r.out() + r.err()).contains("\tat "), "no stack trace: " + r);
        // FileInstall's own line about a file it cannot read names its exception; no other line may
        assertFalse((r.out() + r.err()).lines().anyMatch(l -> l.contains("Exception") && !l.contains(" fileinstall: ")),
                "no exception: " + r);
        assertFalse(Files.exists(home.resolve("run/strata.sock")), r.toString());
    }

    /**
     * A daemon whose nodes are restricted to HOME/images gets {@code bad} as its etc/org.strata.agent.cfg: the log says
     * {@code line} (CFG: the file), an image outside is still refused; then a good file applies.
     */
    private static void assertABadReloadKeepsTheSettingsInForce(String bad, String line) throws Exception {
        Path home = StrataInstall.newHome();
        Path cfg = home.resolve("etc/org.strata.agent.cfg");
        Path outside = restrictToImages(home);
        try (Daemon daemon = Daemon.start(home)) {
            assertRefused(home, outside);

            Files.writeString(cfg, bad);
            awaitLog(daemon, line.replace("CFG", cfg.toString()));
            assertRefused(home, outside);
            assertFalse(daemon.log().contains("\tat "), "no stack trace: " + daemon.log());

            Files.writeString(cfg, "nodes.restrict.to.roots=false\n");
            awaitExitZero(home, "node:add", outside.toString());
            assertEquals(0, daemon.terminate());
        }
    }

    /** Restricts the home's nodes to HOME/images (etc/org.strata.agent.cfg); returns an image outside it. */
    private static Path restrictToImages(Path home) throws Exception {
        Path images = Files.createDirectories(home.resolve("images"));
        Files.writeString(home.resolve("etc/org.strata.agent.cfg"),
                "allowed.roots=" + images + "\nnodes.restrict.to.roots=true\n");
        Path outside = home.resolve("outside.raw");
        QemuTools.run("qemu-img", "create", "-f", "raw", outside.toString(), "1M").ok();
        return outside;
    }

    private static void assertRefused(Path home, Path outside) throws Exception {
        Result refused = strata(home, home, "exec", "node:add", outside.toString());
        assertNotEquals(0, refused.status(), refused.toString());
        assertTrue(refused.err().contains("nodes.restrict.to.roots"), refused.toString());
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
