package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Version;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.QemuTools;

/**
 * Drivers upgraded in a running daemon under load, as docs/upgrading-drivers.md tells an administrator to: the
 * jar of the new version is dropped into deploy/ beside the old one, takes the nodes over as soon as it runs,
 * and the old jar is removed afterwards. NBD clients (libnbd) write and verify all along.
 */
class DriverUpgradeTest {

    private static final String QCOW2 = "strata-format-qcow2";
    private static final String FILE = "strata-storage-file";
    private static final long MIB = 1 << 20;
    /** felix.fileinstall.poll in etc/config.properties. */
    private static final long FILEINSTALL_POLL_MILLIS = 1000;

    Path home;
    Path deploy;
    Daemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        home = StrataInstall.newHome();
        deploy = home.resolve("deploy");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void clientsSeeNoErrorWhileQcow2IsReplacedTwentyTimesAndFileStorageFiveTimes() throws Exception {
        daemon = Daemon.start(home);
        Path image = daemon.serveNewQcow2("vm", 16 * MIB);
        List<NbdLoad.Result> results;
        long started = System.nanoTime();
        Path qcow2 = DriverJars.original(QCOW2);
        Path file = DriverJars.original(FILE);
        Version base = bundleVersion(qcow2);
        try (NbdLoad load = new NbdLoad(daemon.nbd("vm"), 8, MIB, home)) {
            Thread.sleep(500);
            for (int i = 1; i <= 20; i++) {
                qcow2 = replace(qcow2, QCOW2, "format", "qcow2", later(base, i));
                if (i % 4 == 0) {
                    file = replace(file, FILE, "storage", "file", later(base, i / 4));
                }
            }
            String nodes = daemon.exec("node:list").out();
            assertTrue(nodes.contains("attached") && nodes.contains("org.strata.format.qcow2 " + later(base, 20))
                    && nodes.contains("org.strata.storage.file " + later(base, 5)), nodes);
            Thread.sleep(500);
            results = load.stop();
        }
        long upgrading = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        long stopMillis = daemon.terminateWithin(10);

        long requests = results.stream().mapToLong(NbdLoad.Result::requests).sum();
        double longest = results.stream().mapToDouble(NbdLoad.Result::longestMillis).max().orElse(0);
        System.out.printf("upgrade under load: 20 qcow2 and 5 file storage replacements in %d s; %d requests by %d"
                + " NBD clients, longest request %.0f ms; node moves (ms): %s; daemon stopped in %d ms%n", upgrading,
                requests, results.size(), longest, moveMillis(), stopMillis);
        for (NbdLoad.Result r : results) {
            assertEquals(0, r.failures(), "failed requests, the first: " + r.firstError());
            assertEquals(0, r.wrongBytes(), "wrong bytes read");
            assertEquals(0, r.disconnects(), "disconnects");
            assertTrue(r.requests() > 100, "every client kept working: " + r.requests() + " requests");
        }
        assertTrue(longest < 2000, "the longest request took " + longest + " ms");

        assertEquals(0, QemuTools.run("qemu-img", "check", image.toString()).exitCode(), "qemu-img check");
        Path raw = home.resolve("final.raw");
        QemuTools.run("qemu-img", "convert", "-O", "raw", image.toString(), raw.toString()).ok();
        byte[] disk = Files.readAllBytes(raw);
        for (int i = 0; i < results.size(); i++) {
            assertArrayEquals(results.get(i).region(), Arrays.copyOfRange(disk, (int) (i * MIB), (int) ((i + 1) * MIB)),
                    "client " + i + "'s region holds what it last wrote");
        }
    }

    @Test
    void aJarThatCannotResolveIsRefusedInOneLineAndRollingBackAnUpgradeMovesTheNodesBack() throws Exception {
        daemon = Daemon.start(home);
        daemon.serveNewQcow2("vm", 4 * MIB);
        Version base = bundleVersion(DriverJars.original(QCOW2));
        List<NbdLoad.Result> results;
        try (NbdLoad load = new NbdLoad(daemon.nbd("vm"), 2, MIB, home)) {
            Path bad = DriverJars.drop(deploy, QCOW2, later(base, 100), "[99.0,100)");
            String refusal = awaitLog(line -> line.contains("refused"));
            assertTrue(refusal.contains("bundle org.strata.format.qcow2 " + later(base, 100) + " (" + bad
                    + ") refused: it needs package org.strata.api [99.0.0,100.0.0), and the agent has ")
                    && refusal.endsWith("; org.strata.format.qcow2 " + base + " keeps serving"), refusal);
            Thread.sleep(2500); // FileInstall retries to start it on later scans: still one line
            assertEquals(1, daemon.log().lines().filter(l -> l.contains("refused")).count(), daemon.log());
            assertFalse(daemon.log().contains("Exception"), "no stack trace: " + daemon.log());
            assertTrue(serving("format", "qcow2", base.toString()), "the old version keeps serving");
            assertFalse(daemon.exec("driver:list").out().contains(later(base, 100)), "the refused jar serves nothing");
            assertTrue(nodeServedBy("org.strata.format.qcow2 " + base), "the node stays attached to the old driver");

            // an upgrade, then its roll-back: removing the new jar hands the nodes back to the old version
            Path good = DriverJars.drop(deploy, QCOW2, later(base, 1), null);
            awaitServing("format", "qcow2", later(base, 1));
            assertTrue(nodeServedBy("org.strata.format.qcow2 " + later(base, 1)));
            assertTrue(daemon.exec("driver:list").out().matches("(?s).*qcow2 +org\\.strata\\.format\\.qcow2 +"
                    + Pattern.quote(base.toString()) + " +standby.*"));
            String json = daemon.exec("driver:list", "--output=json").out();
            assertTrue(json.contains("\"bundle\": \"org.strata.format.qcow2\",\n    \"version\": \"" + base
                    + "\",\n    \"state\": \"standby\""), json);
            Files.delete(good);
            awaitServing("format", "qcow2", base.toString());
            assertTrue(nodeServedBy("org.strata.format.qcow2 " + base));
            Files.delete(bad);
            results = load.stop();
        }
        for (NbdLoad.Result r : results) {
            assertEquals(0, r.failures(), "failed requests, the first: " + r.firstError());
            assertEquals(0, r.wrongBytes(), "wrong bytes read");
        }
    }

    @Test
    void withoutItsDriverANodeFailsRequestsAfterThePauseTimeoutAndReattachesWhenTheDriverReturns()
            throws Exception {
        Files.writeString(home.resolve("etc/org.strata.agent.cfg"), "pause.timeout = 2\n",
                java.nio.file.StandardOpenOption.APPEND);
        daemon = Daemon.start(home);
        daemon.serveNewQcow2("vm", 4 * MIB);
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x5a 0 64k", daemon.nbd("vm"));
        try (SteppedNbdClient client = new SteppedNbdClient(daemon.nbd("vm"))) {
            Path jar = DriverJars.original(QCOW2);
            Path inDeploy = deploy.resolve(jar.getFileName());
            Path aside = home.resolve(jar.getFileName() + ".aside");
            Files.move(inDeploy, aside);
            awaitNodeState("detached");

            long start = System.nanoTime();
            String failed = client.read();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(failed.startsWith("read failed: ") && failed.contains("EIO"), failed);
            assertTrue(waited >= 1900 && waited < 15000, "the request failed after " + waited + " ms");
            String nodes = daemon.exec("node:list").out();
            assertTrue(nodes.contains("detached") && nodes.contains("(format driver 'qcow2' is not available)"),
                    nodes);
            String json = daemon.exec("node:list", "--output=json").out();
            assertTrue(json.contains("\"state\": \"detached\"") && json.contains("\"drivers\": []"), json);

            Files.move(aside, inDeploy);
            awaitNodeState("attached");
            assertEquals("read ok", client.read(), "the same connection carries on");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Version bundleVersion(Path jar) throws Exception {
        try (JarFile j = new JarFile(jar.toFile())) {
            return Version.parseVersion(j.getManifest().getMainAttributes().getValue("Bundle-Version"));
        }
    }

    /** {@code base} with its micro version raised by {@code steps}. */
    private static String later(Version base, int steps) {
        return new Version(base.getMajor(), base.getMinor(), base.getMicro() + steps).toString();
    }

    /** Drops the new version in, waits until it serves, then removes the old jar, as an administrator does. */
    private Path replace(Path old, String artifact, String kind, String name, String version) throws Exception {
        Path jar = DriverJars.drop(deploy, artifact, version, null);
        Thread.sleep(FILEINSTALL_POLL_MILLIS); // nothing happens before FileInstall's next scan
        awaitServing(kind, name, version);
        Files.delete(deploy.resolve(old.getFileName()));
        return jar;
    }

    private boolean serving(String kind, String name, String version) throws Exception {
        return daemon.exec("driver:list").out().matches("(?s).*" + kind + " +" + name + " +\\S+ +"
                + Pattern.quote(version) + " +serving.*");
    }

    private void awaitServing(String kind, String name, String version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!serving(kind, name, version)) {
            assertTrue(System.nanoTime() < deadline, kind + " driver " + name + " " + version
                    + " not serving within 15 s:\n" + daemon.exec("driver:list").out() + daemon.log());
            Thread.sleep(100);
        }
    }

    private boolean nodeServedBy(String bundleAndVersion) throws Exception {
        String nodes = daemon.exec("node:list").out();
        return nodes.matches("(?s).*attached.*\\n +drivers +[^\\n]*" + Pattern.quote(bundleAndVersion) + ".*");
    }

    private void awaitNodeState(String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String last = daemon.exec("node:list", "--output=json").out();
        while (!last.contains("\"state\": \"" + state + "\"")) {
            assertTrue(System.nanoTime() < deadline, "the node is not " + state + " within 15 s:\n" + last);
            Thread.sleep(200);
            last = daemon.exec("node:list", "--output=json").out();
        }
    }

    /** The first line of the daemon's log that matches, waiting up to 10 s for it. */
    private String awaitLog(Predicate<String> match) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            var line = daemon.log().lines().filter(match).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            assertTrue(System.nanoTime() < deadline, "no such log line within 10 s:\n" + daemon.log());
            Thread.sleep(100);
        }
    }

    /** How long each node move took, from the daemon's log. */
    private List<Long> moveMillis() throws Exception {
        List<Long> moves = new ArrayList<>();
        Matcher m = Pattern.compile("node \\S+: moved to .* in (\\d+) ms").matcher(daemon.log());
        while (m.find()) {
            moves.add(Long.parseLong(m.group(1)));
        }
        return moves;
    }
}
