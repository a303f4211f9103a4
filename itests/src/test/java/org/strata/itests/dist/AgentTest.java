package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;
import static org.strata.testkit.QemuTools.qemuImg;
import static org.strata.testkit.QemuTools.qemuIo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * The agent as a host runs it: images created and written offline, nodes and NBD exports in the daemon used by
 * the real QEMU and libnbd clients, persistence across a crash, jobs, and a driver replaced under a live export.
 */
class AgentTest {

    Path home;
    Path images;
    Daemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        home = StrataInstall.newHome();
        images = Files.createDirectories(home.resolve("images"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private Result ok(String... args) throws Exception {
        Result r = strata(home, images, args);
        assertEquals(0, r.status(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    private String nbd(String export) {
        return "nbd+unix:///" + export + "?socket=" + home.resolve("run").resolve("nbd.sock");
    }

    private String image(String name) {
        return images.resolve(name).toString();
    }

    @Test
    void offlineCommandsWriteWhatQemuReads() throws Exception {
        assertEquals("Formatting 'x.img', fmt=raw size=67108864\n", ok("run", "image:create", "-f", "raw", "x.img", "64M").out());
        ok("run", "image:io", "-c", "write -P 0xab 4096 64k", "x.img");
        qemuIo("-f", "raw", "-c", "read -P 0xab 4096 64k", image("x.img"));
        Result bad = strata(home, images, "run", "image:io", "-c", "read -P 0xcd 4096 64k", "x.img");
        assertTrue(bad.status() != 0, bad.toString());
    }

    @Test
    void theDaemonListsItsDriversWithTheirBundles() throws Exception {
        daemon = Daemon.start(home);
        String list = ok("exec", "driver:list").out();
        assertTrue(list.matches("(?s).*format +raw +org\\.strata\\.format\\.raw +0\\.1\\.0.*"), list);
        assertTrue(list.matches("(?s).*storage +file +org\\.strata\\.storage\\.file +0\\.1\\.0.*"), list);
        assertTrue(list.contains("qcow2"), list);
        String status = ok("exec", "agent:status", "--output=json").out();
        assertTrue(status.contains("nbd.sock"), status);
    }

    @Test
    void exportedNodesServeQemuAndLibnbdClientsAndSurviveACrash() throws Exception {
        ok("run", "image:create", "-f", "qcow2", "disk.qcow2", "64M");
        daemon = Daemon.start(home);
        ok("exec", "node:add", "--name", "vm1", "disk.qcow2");
        ok("exec", "export:add", "--writable", "vm1");
        assertTrue(qemuImg("info", nbd("vm1")).contains("virtual size: 64 MiB"));
        qemuIo("-f", "raw", "-c", "write -P 0x5a 1M 2M", "-c", "write -z 8M 1M", nbd("vm1"));
        qemuIo("-f", "raw", "-c", "read -P 0x5a 1M 2M", "-c", "read -P 0 0 1M", nbd("vm1"));
        String map = QemuTools.run("nbdinfo", "--map", nbd("vm1")).ok();
        assertTrue(map.contains("data"), map);
        Path copy = home.resolve("copy.raw");
        QemuTools.run("nbdcopy", nbd("vm1"), copy.toString()).ok();
        assertEquals(64L << 20, Files.size(copy));

        // a crash: the daemon comes back with the same node and export
        daemon.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        daemon = Daemon.start(home);
        String nodes = waitFor(() -> ok("exec", "node:list").out(), s -> s.contains("attached"));
        assertTrue(nodes.contains("vm1"), nodes);
        waitFor(() -> ok("exec", "export:list").out(), s -> s.contains("serving"));
        qemuIo("-f", "raw", "-c", "read -P 0x5a 1M 2M", nbd("vm1"));

        ok("exec", "export:remove", "vm1");
        ok("exec", "node:remove", "vm1");
        assertEquals(0, QemuTools.run("qemu-img", "check", image("disk.qcow2")).exitCode());
        assertEquals(0, QemuTools.run("qemu-img", "compare", "-F", "raw", image("disk.qcow2"), copy.toString())
                .exitCode());
    }

    @Test
    void nbdinfoMapAgreesWithImageMap() throws Exception {
        ok("run", "image:create", "-f", "qcow2", "m.qcow2", "16M");
        ok("run", "image:io", "-c", "write -P 1 1M 2M", "-c", "write -z 8M 1M", "-c", "write -P 2 12M 64k",
                "m.qcow2");
        daemon = Daemon.start(home);
        ok("exec", "node:add", "m.qcow2");
        ok("exec", "export:add", "m");
        boolean[] ours = granules(ok("run", "image:map", "-U", "--output=json", "m.qcow2").out(),
                "\\{ \"start\": (\\d+), \"length\": (\\d+),.*\"data\": (true|false)", true);
        boolean[] theirs = granules(QemuTools.run("nbdinfo", "--map", "--json", nbd("m")).ok(),
                "\\{ \"offset\": (\\d+), \"length\": (\\d+), \"type\": (\\d+)", false);
        assertTrue(java.util.Arrays.equals(ours, theirs), "image:map and nbdinfo --map disagree");
        assertTrue(ours[16] && !ours[0] && !ours[8 * 16], "data at 1M, none at 0 and in the zeroed 8M");
    }

    /**
     * Whether each 64 KiB granule of a 16 MiB disk holds data, from map entries matched by {@code pattern}
     * (start, length, then data as true/false or, for nbdinfo, a type whose bit 1 means zero).
     */
    private static boolean[] granules(String json, String pattern, boolean dataFlag) {
        boolean[] data = new boolean[256];
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(pattern).matcher(json);
        while (m.find()) {
            long start = Long.parseLong(m.group(1));
            long length = Long.parseLong(m.group(2));
            boolean isData = dataFlag ? m.group(3).equals("true") : (Integer.parseInt(m.group(3)) & 2) == 0;
            for (long g = start >> 16; g < (start + length) >> 16; g++) {
                data[(int) g] = isData;
            }
        }
        return data;
    }

    @Test
    void sixteenClientsWriteAndVerifyTheirOwnRegionsOfAQcow2Node() throws Exception {
        ok("run", "image:create", "-f", "qcow2", "-o", "cluster_size=64k", "many.qcow2", "64M");
        daemon = Daemon.start(home);
        ok("exec", "node:add", "many.qcow2");
        ok("exec", "export:add", "--writable", "many");
        ExecutorService clients = Executors.newFixedThreadPool(16);
        List<Future<String>> runs = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            // regions of 1 MiB + 96 KiB: neighbours share clusters, so allocation races are exercised
            long start = c * (1088L << 10);
            String pattern = Integer.toString(c + 1);
            runs.add(clients.submit(() -> qemuIo("-f", "raw",
                    "-c", "write -P " + pattern + " " + start + " 1088k",
                    "-c", "read -P " + pattern + " " + start + " 1088k", nbd("many"))));
        }
        for (Future<String> f : runs) {
            f.get(120, TimeUnit.SECONDS);
        }
        clients.shutdown();
        ok("exec", "export:remove", "many");
        ok("exec", "node:remove", "many");
        assertEquals(0, QemuTools.run("qemu-img", "check", image("many.qcow2")).exitCode());
        for (int c = 0; c < 16; c++) {
            qemuIo("-c", "read -P " + (c + 1) + " " + (c * (1088L << 10)) + " 1088k", image("many.qcow2"));
        }
    }

    @Test
    void replacingTheQcow2DriverPausesClientsWithoutErrors() throws Exception {
        ok("run", "image:create", "-f", "qcow2", "d.qcow2", "16M");
        ok("run", "image:io", "-c", "write -P 0x77 0 4M", "d.qcow2");
        daemon = Daemon.start(home);
        ok("exec", "node:add", "--name", "d", "d.qcow2");
        ok("exec", "export:add", "d");
        AtomicBoolean swapping = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<Future<Integer>> runs = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            runs.add(clients.submit(() -> {
                int n = 0;
                while (swapping.get()) {
                    qemuIo("-f", "raw", "-r", "-c", "read -P 0x77 0 4M", nbd("d"));
                    n++;
                }
                return n;
            }));
        }
        Path jar = home.resolve("deploy").resolve("strata-format-qcow2-0.1.0.jar");
        Path aside = home.resolve("qcow2.jar.aside");
        Thread.sleep(500);
        Files.move(jar, aside);
        waitFor(() -> ok("exec", "node:list").out(), s -> s.contains("detached"));
        Thread.sleep(1000);
        // a newer copy comes back (written elsewhere, then renamed in: FileInstall never sees half a jar)
        Path incoming = home.resolve("qcow2.incoming");
        Files.copy(aside, incoming);
        Files.move(incoming, jar, StandardCopyOption.ATOMIC_MOVE);
        waitFor(() -> ok("exec", "node:list").out(), s -> s.contains("attached"));
        Thread.sleep(500);
        swapping.set(false);
        for (Future<Integer> f : runs) {
            assertTrue(f.get(60, TimeUnit.SECONDS) > 0, "each client read while the driver was replaced");
        }
        clients.shutdown();
    }

    @Test
    void imageCommandsTakeNbdUrlsAndJsonNames() throws Exception {
        ok("run", "image:create", "-f", "qcow2", "served.qcow2", "8M");
        ok("run", "image:io", "-c", "write -P 9 64k 1M", "served.qcow2");
        daemon = Daemon.start(home);
        ok("exec", "node:add", "served.qcow2");
        ok("exec", "export:add", "served");
        String info = ok("run", "image:info", "--output=json", nbd("served")).out();
        assertTrue(info.contains("\"format\": \"raw\"") && info.contains("\"virtual-size\": 8388608"), info);
        ok("run", "image:convert", "-O", "qcow2", nbd("served"), "pulled.qcow2");
        assertEquals(0, QemuTools.run("qemu-img", "compare", "-U", image("served.qcow2"), image("pulled.qcow2"))
                .exitCode());
        String json = "json:{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"pulled.qcow2\"}}";
        ok("run", "image:io", "-c", "read -P 9 64k 1M", json);
    }

    @Test
    void longOperationsRunAsJobs() throws Exception {
        ok("run", "image:create", "-f", "qcow2", "src.qcow2", "32M");
        ok("run", "image:io", "-c", "write -P 3 0 8M", "-c", "write -P 4 20M 1M", "src.qcow2");
        daemon = Daemon.start(home);
        String started = ok("exec", "image:convert", "--job", "-O", "qcow2", "-c", "src.qcow2", "dst.qcow2").out();
        assertTrue(started.startsWith("Job "), started);
        String id = started.split(" ")[1];
        ok("exec", "job:wait", id);
        assertTrue(ok("exec", "job:list").out().contains("completed"));
        assertEquals(0, QemuTools.run("qemu-img", "check", image("dst.qcow2")).exitCode());
        assertEquals(0, QemuTools.run("qemu-img", "compare", image("src.qcow2"), image("dst.qcow2")).exitCode());
    }

    private interface Attempt {
        String get() throws Exception;
    }

    /** Retries until {@code done} holds (15 s at most), returning the last output. */
    private static String waitFor(Attempt attempt, java.util.function.Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String last = attempt.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 15 s; last output:\n" + last);
            }
            Thread.sleep(200);
            last = attempt.get();
        }
        return last;
    }
}
