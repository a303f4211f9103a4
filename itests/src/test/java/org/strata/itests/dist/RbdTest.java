package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.CephCluster;
import org.strata.testkit.QemuTools;

/**
 * Images on Ceph RBD end to end, on a throwaway cluster, with QEMU's rbd driver as the judge: images each writes the
 * other reads, conversions to and from RBD equal qemu-img's, a daemon serves an RBD qcow2 over NBD, two agents
 * (two homes standing in for two hosts) take turns at one image, and the rbd bundle leaves and returns.
 */
class RbdTest {

    private final CephCluster ceph = CephCluster.shared();
    private final List<Daemon> daemons = new ArrayList<>();
    private Path home;
    private Path images;

    @BeforeEach
    void setUp() throws Exception {
        home = StrataInstall.newHome();
        images = Files.createDirectories(home.resolve("images"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Daemon d : daemons) {
            d.close();
        }
    }

    private Daemon daemon(Path h) throws Exception {
        Daemon d = Daemon.start(h);
        daemons.add(d);
        return d;
    }

    private Result ok(Path h, String... args) throws Exception {
        Result r = strata(h, images, args);
        assertEquals(0, r.status(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    private String rbd(String prefix) {
        return ceph.name(CephCluster.uniqueImage(prefix));
    }

    @Test
    void imagesStrataWritesQemuReadsAndTheOtherWayRound() throws Exception {
        daemon(home);
        String raw = rbd("raw");
        String qcow2 = rbd("qcow2");
        assertTrue(ok(home, "exec", "image:create", "-f", "raw", raw, "8M").out().startsWith("Formatting '" + raw));
        ok(home, "exec", "image:io", "-f", "raw", "-c", "write -P 0xab 1M 1M", "-c", "write -z 1536k 64k", raw);
        qemuIo("-f", "raw", "-c", "read -P 0xab 1M 512k", "-c", "read -P 0 1536k 64k", "-c", "read -P 0 0 1M", raw);

        ok(home, "exec", "image:create", "-f", "qcow2", qcow2, "16M");
        ok(home, "exec", "image:io", "-c", "write -P 0xcd 3M 2M", "-c", "discard 4M 64k", qcow2);
        assertEquals(0, QemuTools.run("qemu-img", "check", "-f", "qcow2", qcow2).exitCode());
        qemuIo("-f", "qcow2", "-c", "read -P 0xcd 3M 1M", "-c", "read -P 0 4M 64k", qcow2);

        // qemu-img info and image:info agree on everything but the name (QEMU prints its json: form of it)
        String ours = ok(home, "exec", "image:info", "--output=json", qcow2).out();
        String theirs = qemuImg("info", "--output=json", qcow2);
        assertEquals(withoutFilename(theirs), withoutFilename(ours));
        assertFalse(ours.contains("actual-size"), "RBD has no allocated size to show, as with qemu-img: " + ours);

        String byQemu = rbd("byqemu");
        qemuImg("create", "-f", "qcow2", byQemu, "8M");
        qemuIo("-f", "qcow2", "-c", "write -P 0x12 0 1M", "-c", "write -P 0x34 7M 1M", byQemu);
        ok(home, "exec", "image:io", "-c", "read -P 0x12 0 1M", "-c", "read -P 0x34 7M 1M", "-c", "read -P 0 1M 6M",
                byQemu);
        assertEquals(0, ok(home, "exec", "image:check", byQemu).status());
    }

    private static String extents(String map) {
        return map.replaceAll(", \"offset\": [0-9]+", "");
    }

    private static String withoutFilename(String json) {
        return json.replaceAll("\"filename\": \"[^\\n]*\",?\\n", "");
    }

    @Test
    void convertingToAndFromRbdEqualsQemuImg() throws Exception {
        daemon(home);
        Path local = images.resolve("local.qcow2");
        qemuImg("create", "-f", "qcow2", local.toString(), "12M");
        qemuIo("-c", "write -P 0x61 0 1M", "-c", "write -P 0x62 5M 3M", "-c", "write -z 6M 64k", local.toString());

        String ours = rbd("conv-ours");
        String theirs = rbd("conv-qemu");
        ok(home, "exec", "image:convert", "-O", "raw", "local.qcow2", ours);
        qemuImg("convert", "-O", "raw", local.toString(), theirs);
        assertEquals("Images are identical.\n", qemuImg("compare", "-f", "raw", "-F", "raw", ours, theirs));
        assertEquals("Images are identical.\n", qemuImg("compare", "-F", "raw", local.toString(), ours));

        ok(home, "exec", "image:convert", "-f", "raw", "-O", "qcow2", ours, "back.qcow2");
        qemuImg("convert", "-f", "raw", "-O", "qcow2", theirs, images.resolve("qemu-back.qcow2").toString());
        assertEquals(0, QemuTools.run("qemu-img", "check", images.resolve("back.qcow2").toString()).exitCode());
        assertEquals("Images are identical.\n", qemuImg("compare", images.resolve("back.qcow2").toString(),
                images.resolve("qemu-back.qcow2").toString()));
        // the same extents (where qcow2 puts the clusters is convert's business, not RBD's)
        assertEquals(extents(qemuImg("map", "--output=json", images.resolve("qemu-back.qcow2").toString())),
                extents(qemuImg("map", "--output=json", images.resolve("back.qcow2").toString())));
    }

    @Test
    void aDaemonServesAnRbdQcow2ToSeveralClientsAndOutlivesItsDriverLeaving() throws Exception {
        String disk = rbd("served");
        ok(home, "run", "image:create", "-f", "qcow2", "-o", "cluster_size=64k", disk, "32M");
        daemon(home);
        ok(home, "exec", "node:add", "--name", "vm", disk);
        ok(home, "exec", "export:add", "--writable", "vm");
        String nbd = "nbd+unix:///vm?socket=" + home.resolve("run").resolve("nbd.sock");
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> runs = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                long start = c * (1088L << 10); // neighbours share clusters: allocation races are exercised
                String pattern = Integer.toString(c + 1);
                runs.add(clients.submit(() -> qemuIo("-f", "raw", "-c", "write -P " + pattern + " " + start + " 1088k",
                        "-c", "read -P " + pattern + " " + start + " 1088k", nbd)));
            }
            for (Future<String> f : runs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdown();
        }

        // the rbd bundle leaves deploy/: the node is flushed and detached; it returns: the node is attached again
        Path jar = deployed(home, "strata-storage-rbd");
        Path aside = Files.createDirectories(home.resolve("aside")).resolve(jar.getFileName());
        Files.move(jar, aside, StandardCopyOption.ATOMIC_MOVE);
        awaitNodeState("detached");
        qemuIo("-f", "qcow2", "-r", "-U", "-c", "read -P 1 0 1088k", disk); // flushed before it was let go
        Files.move(aside, jar, StandardCopyOption.ATOMIC_MOVE);
        awaitNodeState("attached");
        qemuIo("-f", "raw", "-c", "read -P 8 " + (7 * (1088L << 10)) + " 1088k", nbd);

        ok(home, "exec", "export:remove", "vm");
        ok(home, "exec", "node:remove", "vm");
        assertEquals(0, QemuTools.run("qemu-img", "check", disk).exitCode());
        for (int c = 0; c < 8; c++) {
            qemuIo("-f", "qcow2", "-c", "read -P " + (c + 1) + " " + (c * (1088L << 10)) + " 1088k", disk);
        }
    }

    private static Path deployed(Path h, String prefix) throws Exception {
        try (var jars = Files.list(h.resolve("deploy"))) {
            return jars.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
        }
    }

    private void awaitNodeState(String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String list;
        while (!(list = ok(home, "exec", "node:list").out()).contains(state)) {
            assertTrue(System.nanoTime() < deadline, "node not " + state + " within 15 s:\n" + list);
            Thread.sleep(200);
        }
    }

    @Test
    void twoAgentsTakeTurnsAtOneImageAndADeadHoldersLockIsBroken() throws Exception {
        String disk = rbd("shared");
        qemuImg("create", "-f", "raw", disk, "4M");
        Path hostB = StrataInstall.newHome();
        Daemon a = daemon(home);
        Daemon b = daemon(hostB);

        ok(home, "exec", "node:add", "--name", "vm", disk);
        Result refused = strata(hostB, images, "exec", "node:add", "--name", "vm", disk);
        assertNotEquals(0, refused.status(), refused.toString());
        assertEquals(1, refused.errLines().size(), refused.toString());
        assertTrue(refused.err().contains("Failed to get \"write\" lock"), refused.toString());
        ok(hostB, "exec", "node:add", "--name", "peek", "--read-only", disk);
        ok(hostB, "exec", "node:remove", "peek");

        // the VM moves: the first host lets go, the second takes the image
        ok(home, "exec", "node:remove", "vm");
        ok(hostB, "exec", "node:add", "--name", "vm", disk);
        ok(hostB, "exec", "image:io", "-r", "-c", "read -P 0 0 4k", disk); // a reader beside the writer (-r, as for qemu-io)

        // the second host dies holding the lock: the first is refused until the cluster forgets the dead client,
        // then takes the lock over (librbd breaks it and blocklists the dead client)
        b.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long died = System.nanoTime();
        Result whileWatched = strata(home, images, "exec", "node:add", "--name", "vm", disk);
        long deadline = died + TimeUnit.SECONDS.toNanos(CephCluster.WATCH_TIMEOUT_SECONDS * 5L);
        Result taken = whileWatched;
        while (taken.status() != 0) {
            assertTrue(taken.err().contains("Failed to get \"write\" lock"), taken.toString());
            assertTrue(System.nanoTime() < deadline, "the dead holder's lock was not broken: " + taken);
            Thread.sleep(1000);
            taken = strata(home, images, "exec", "node:add", "--name", "vm", disk);
        }
        System.out.println("lock of the killed agent taken over after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - died) + " ms");
        assertTrue(ok(home, "exec", "node:list").out().contains("attached"));
        assertTrue(a.process.isAlive());
    }
}
