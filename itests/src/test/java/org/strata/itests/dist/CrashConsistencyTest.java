package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.CpuTime;
import org.strata.testkit.CrashCheck;
import org.strata.testkit.QemuTools;

/**
 * Crash consistency: a daemon from the install tree serves a node of every writable format over NBD to clients
 * writing at random with periodic flushes (crash-clients.py), while it commits a qcow2 chain as a job; it is then
 * killed with SIGKILL at a random moment, and restarted. Each round: {@code qemu-img check} finds no corruption
 * (leaks allowed, see {@link CrashCheck}) in any image (before the restart for formats that need no repair, after
 * it for those the daemon repairs on open: a dirty lazy-refcounts qcow2, a VHDX log); the restarted daemon serves
 * every node and export again; every write acknowledged before a flush that returned reads back exactly, and every
 * other block holds one of the versions it may hold ({@link CrashJournal}); the chain's base holds, cluster by
 * cluster, either its old or the committed content, and the top image still reads as before.
 *
 * <p>{@code -Dcrash.rounds=N} and {@code -Dcrash.seed=S} (scripts/reliability.sh crash).
 */
class CrashConsistencyTest {

    private static final int ROUNDS = Integer.getInteger("crash.rounds", 20);
    private static final long SEED = Long.getLong("crash.seed", System.nanoTime());
    private static final long MIB = 1 << 20;
    private static final long CLUSTER = 64 << 10;
    private static final int CLIENTS_PER_NODE = 2;
    private static final Path SCRIPT = Path.of(System.getProperty("itest.testClasses"), "crash-clients.py");

    /** A node under test: its format, qemu-img create options, and whether opening it for writing repairs it. */
    private record Kind(String node, String format, String options, boolean repairedOnOpen) {
        /** QEMU 7.2 has no check for vpc: there, that qemu-img reads the image is the test. */
        boolean qemuChecks() {
            return !format.equals("vpc");
        }
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("qcow2", "qcow2", "", false),
            new Kind("lazy", "qcow2", "lazy_refcounts=on", true),
            new Kind("vmdk", "vmdk", "", false),
            new Kind("vpc", "vpc", "", false),
            new Kind("vhdx", "vhdx", "block_size=1M", true),
            new Kind("vdi", "vdi", "", false));

    private Daemon daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void killedAtRandomTheDaemonLeavesConsistentImagesHoldingEveryFlushedWrite() throws Exception {
        long started = System.nanoTime();
        double cpu = CpuTime.seconds();
        Path home = StrataInstall.newHome();
        Random rnd = new Random(SEED);
        daemon = Daemon.start(home);
        Map<String, byte[]> before = new HashMap<>();
        for (Kind k : KINDS) {
            List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", k.format));
            if (!k.options.isEmpty()) {
                create.addAll(List.of("-o", k.options));
            }
            create.addAll(List.of(image(home, k).toString(), Long.toString(4 * MIB)));
            QemuTools.run(create).ok();
            daemon.exec("node:add", "--name", k.node, image(home, k).toString());
            daemon.exec("export:add", "--writable", k.node);
            before.put(k.node, new byte[(int) (CLIENTS_PER_NODE * MIB)]);
        }
        long writes = 0;
        long flushes = 0;
        long exact = 0;
        long unflushed = 0;
        int[] commits = new int[3];
        List<Long> restartMillis = new ArrayList<>();
        List<Long> killAfterMillis = new ArrayList<>();
        CommitChain chain = new CommitChain(home, rnd);
        for (int round = 1; round <= ROUNDS; round++) {
            String where = "round " + round + " (seed " + SEED + ")";
            chain.reset();
            Path journals = Files.createDirectories(home.resolve("journals-" + round));
            Process clients = startClients(journals, rnd.nextLong());
            daemon.exec("image:commit", "--job", "-r", "2M", chain.top.toString());
            awaitJournals(journals, clients);
            long kill = 50 + rnd.nextInt(450);
            Thread.sleep(kill);
            killAfterMillis.add(kill);
            daemon.process.destroyForcibly();
            assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS), "SIGKILL");
            assertTrue(clients.waitFor(60, TimeUnit.SECONDS), "the clients end when their server dies");

            for (Kind k : KINDS) {
                if (!k.repairedOnOpen && k.qemuChecks()) {
                    assertNull(CrashCheck.problems(k.format, image(home, k).toString(), CLUSTER, false),
                            where + ", " + k.node + " after the crash");
                }
            }
            commits[chain.verify(where)]++;

            long restart = System.nanoTime();
            daemon = Daemon.start(home);
            daemon.awaitExportsServing(KINDS.stream().map(Kind::node).toList());
            restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart));
            for (Kind k : KINDS) {
                byte[] disk = readExport(home, k);
                for (int c = 0; c < CLIENTS_PER_NODE; c++) {
                    CrashJournal journal = new CrashJournal(journals.resolve("client-" + clientId(k, c) + ".log"),
                            clientId(k, c));
                    int from = (int) (c * MIB);
                    CrashJournal.Verdict v = journal.verify(Arrays.copyOfRange(before.get(k.node), from,
                            (int) (from + MIB)), Arrays.copyOfRange(disk, from, (int) (from + MIB)));
                    assertEquals(0, v.wrong(), where + ", " + k.node + " client " + c + ": " + v.firstWrong());
                    writes += journal.writes();
                    flushes += journal.flushes();
                    exact += v.exact();
                    unflushed += v.unflushed();
                }
                before.put(k.node, Arrays.copyOf(disk, (int) (CLIENTS_PER_NODE * MIB)));
                if (k.repairedOnOpen) {
                    assertNull(CrashCheck.problems(k.format, image(home, k).toString(), CLUSTER, true),
                            where + ", " + k.node + " repaired by the restarted daemon");
                }
            }
            StrataInstall.deleteTree(journals);
        }
        restartMillis.sort(null);
        System.out.printf("crash consistency: %d rounds, SIGKILL %d-%d ms after every client had sent a request;"
                        + " %d NBD clients on %d nodes (%s) sent %d writes and %d flushes; blocks verified: %d as"
                        + " flushed, %d written since (old or new); the commit job had committed nothing / part / all of its"
                        + " clusters in %d / %d / %d rounds; restart to serving again: median %d ms, longest %d ms;"
                        + " %.0f s, CPU %.0f s (seed %d)%n", ROUNDS,
                killAfterMillis.stream().mapToLong(Long::longValue).min().orElse(0),
                killAfterMillis.stream().mapToLong(Long::longValue).max().orElse(0), KINDS.size() * CLIENTS_PER_NODE,
                KINDS.size(), KINDS.stream().map(Kind::node).toList(), writes, flushes, exact, unflushed, commits[0],
                commits[1], commits[2],
                restartMillis.get(restartMillis.size() / 2), restartMillis.get(restartMillis.size() - 1),
                (System.nanoTime() - started) / 1e9, CpuTime.seconds() - cpu, SEED);
    }

    private static Path image(Path home, Kind k) {
        return home.resolve(k.node + "." + k.format);
    }

    private static int clientId(Kind k, int c) {
        return KINDS.indexOf(k) * CLIENTS_PER_NODE + c;
    }

    private Process startClients(Path journals, long seed) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(NbdLoad.PYTHON, SCRIPT.toString(), "30", journals.toString(),
                Long.toString(seed & Long.MAX_VALUE)));
        for (Kind k : KINDS) {
            for (int c = 0; c < CLIENTS_PER_NODE; c++) {
                cmd.add(daemon.nbd(k.node) + "," + c * MIB + "," + MIB + "," + clientId(k, c));
            }
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(journals.resolve("clients.out").toFile()).start();
    }

    /** Waits until every client has sent a request, so that the kill finds them all writing. */
    private static void awaitJournals(Path journals, Process clients) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int n = KINDS.size() * CLIENTS_PER_NODE;
        while (true) {
            int started = 0;
            for (int c = 0; c < n; c++) {
                Path j = journals.resolve("client-" + c + ".log");
                started += Files.exists(j) && Files.size(j) > 0 ? 1 : 0;
            }
            if (started == n) {
                return;
            }
            assertTrue(clients.isAlive() && System.nanoTime() < deadline,
                    "the NBD clients did not start: " + Files.readString(journals.resolve("clients.out")));
            Thread.sleep(20);
        }
    }

    private byte[] readExport(Path home, Kind k) throws Exception {
        Path raw = home.resolve(k.node + ".raw");
        QemuTools.run("nbdcopy", daemon.nbd(k.node), raw.toString()).ok();
        byte[] disk = Files.readAllBytes(raw);
        Files.delete(raw);
        return disk;
    }

    /**
     * A qcow2 chain committed while the daemon is killed: base (every cluster 0xaa) under top (some clusters
     * written, each with its own pattern). Made once; each round commits a fresh copy ({@link #reset}).
     */
    private static final class CommitChain {
        final Path base;
        final Path top;
        final Path baseTemplate;
        final Path topTemplate;
        final byte[] topView;
        final boolean[] inTop;

        CommitChain(Path home, Random rnd) throws Exception {
            base = home.resolve("base.qcow2");
            top = home.resolve("top.qcow2");
            baseTemplate = home.resolve("base.template");
            topTemplate = home.resolve("top.template");
            long size = 4 * MIB;
            QemuTools.qemuImg("create", "-q", "-f", "qcow2", base, size);
            QemuTools.qemuIo("-f", "qcow2", "-c", "write -P 0xaa 0 4M", base);
            QemuTools.qemuImg("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top, size);
            inTop = new boolean[(int) (size / CLUSTER)];
            topView = new byte[(int) size];
            Arrays.fill(topView, (byte) 0xaa);
            List<String> io = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
            for (int c = 0; c < inTop.length; c++) {
                if (rnd.nextBoolean()) {
                    inTop[c] = true;
                    Arrays.fill(topView, (int) (c * CLUSTER), (int) ((c + 1) * CLUSTER), pattern(c));
                    io.addAll(List.of("-c", "write -P " + pattern(c) + " " + c * CLUSTER + " " + CLUSTER));
                }
            }
            io.add(top.toString());
            QemuTools.run(io).ok();
            Files.copy(base, baseTemplate);
            Files.copy(top, topTemplate); // names its backing file base.qcow2, beside it
        }

        /** The chain as made, before any commit. */
        void reset() throws Exception {
            Files.copy(baseTemplate, base, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(topTemplate, top, StandardCopyOption.REPLACE_EXISTING);
        }

        private static byte pattern(int cluster) {
            return (byte) (1 + cluster);
        }

        /**
         * Checks both images; returns how far the commit had come: 0 none of top's clusters in the base, 1 some,
         * 2 all.
         */
        int verify(String where) throws Exception {
            for (Path p : List.of(base, top)) {
                assertNull(CrashCheck.problems("qcow2", p.toString(), CLUSTER, false), where + ", " + p);
            }
            byte[] baseNow = raw(base);
            assertTrue(Arrays.equals(topView, raw(top)), where + ": the top image reads as before the commit");
            int committed = 0;
            int toCommit = 0;
            for (int c = 0; c < inTop.length; c++) {
                int from = (int) (c * CLUSTER);
                int to = (int) ((c + 1) * CLUSTER);
                boolean old = allEqual(baseNow, from, to, (byte) 0xaa);
                boolean isNew = inTop[c] && allEqual(baseNow, from, to, pattern(c));
                assertTrue(old || isNew, where + ": base cluster " + c + " is neither its old nor the committed"
                        + " content");
                committed += inTop[c] && isNew ? 1 : 0;
                toCommit += inTop[c] ? 1 : 0;
            }
            return committed == 0 ? 0 : committed < toCommit ? 1 : 2;
        }

        private static byte[] raw(Path image) throws Exception {
            Path out = image.resolveSibling(image.getFileName() + ".raw");
            QemuTools.qemuImg("convert", "-O", "raw", image, out);
            byte[] b = Files.readAllBytes(out);
            Files.delete(out);
            return b;
        }

        private static boolean allEqual(byte[] b, int from, int to, byte value) {
            for (int i = from; i < to; i++) {
                if (b[i] != value) {
                    return false;
                }
            }
            return true;
        }
    }
}
