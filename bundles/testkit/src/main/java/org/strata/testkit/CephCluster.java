package org.strata.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway single-node Ceph cluster for tests: one {@code ceph-mon}, one {@code ceph-osd} on the in-memory
 * {@code memstore}, no manager, listening on 127.0.0.1 only, everything (configuration, keyrings, logs, sockets) in
 * one temporary directory. Authentication is cephx, so tests can meet a user who may not do something: the
 * configuration names the admin keyring, and {@link #READER} may only read pool {@link #POOL}.
 *
 * <p>One cluster serves a whole test JVM ({@link #shared()}): it starts on first use (a few seconds) and stops when
 * the JVM exits (OSD first, by PID). A missing Ceph package fails the test: the README's test command installs them.
 * The OSD forgets a client that stops answering after {@link #WATCH_TIMEOUT_SECONDS}, so a test of a crashed lock
 * holder does not wait Ceph's default 30 s.
 */
public final class CephCluster {

    /** The pool every test may use; {@link #OTHER_POOL} is a second one, for what must not cross pools. */
    public static final String POOL = "strata";
    public static final String OTHER_POOL = "other";
    /** A user that may read images in {@link #POOL} and nothing else. */
    public static final String READER = "reader";
    /** {@code osd client watch timeout} of this cluster. */
    public static final int WATCH_TIMEOUT_SECONDS = 6;

    private static final long STEP_TIMEOUT_SECONDS = 60;
    private static CephCluster shared;

    private final Path dir;
    private final List<Process> daemons = new ArrayList<>();

    private CephCluster(Path dir) {
        this.dir = dir;
    }

    /** The cluster of this JVM, started on first use. */
    public static synchronized CephCluster shared() {
        if (shared == null) {
            try {
                shared = start(Files.createTempDirectory(Path.of("/tmp"), "ceph"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            CephCluster c = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(c::destroy, "ceph-cluster-stop"));
        }
        return shared;
    }

    /**
     * A cluster for scripts ({@code scripts/bench-image.sh}): starts one, prints its configuration file's path as
     * one line, and keeps it until its standard input ends (the script closes it, or dies); then stops it and
     * removes its directory. Run with {@code java -cp TESTKIT_JAR:API_JAR org.strata.testkit.CephCluster}.
     */
    public static void main(String[] args) throws IOException {
        try {
            System.out.println(shared().conf());
        } catch (RuntimeException | AssertionError e) {
            System.err.println("cannot start a Ceph cluster: " + e.getMessage());
            System.exit(1);
        }
        System.out.flush();
        System.in.transferTo(OutputStream.nullOutputStream());
    }

    /** Starts a cluster in {@code dir} (empty; its path must hold no ':' or space, as rbd: names split there). */
    public static CephCluster start(Path dir) throws IOException {
        if (dir.toString().matches(".*[:\\s].*")) {
            throw new IllegalArgumentException("a Ceph test directory must not contain ':' or spaces: " + dir);
        }
        for (String tool : List.of("ceph-mon", "ceph-osd", "ceph", "ceph-authtool", "monmaptool", "rbd")) {
            QemuTools.requireTool(tool);
        }
        CephCluster c = new CephCluster(dir);
        try {
            c.bootstrap();
            return c;
        } catch (IOException | RuntimeException | Error e) {
            c.destroy();
            throw e;
        }
    }

    /** The configuration file clients read ({@code conf=}); it names the admin keyring. */
    public Path conf() {
        return dir.resolve("ceph.conf");
    }

    /** The keyring of {@link #READER}. */
    public Path readerKeyring() {
        return dir.resolve("reader.keyring");
    }

    /** QEMU's name of an image in {@link #POOL}: {@code rbd:strata/IMAGE:conf=...}. */
    public String name(String image) {
        return name(POOL, image);
    }

    /** QEMU's name of an image in {@code pool}. */
    public String name(String pool, String image) {
        return "rbd:" + pool + "/" + image + ":conf=" + conf();
    }

    /** A fresh image name, so tests sharing the cluster never meet each other's images. */
    public static String uniqueImage(String prefix) {
        return prefix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    }

    /** Runs the {@code rbd} tool against this cluster ({@code rbd -c CONF ARGS}); fails unless it exits 0. */
    public String rbd(String... args) {
        List<String> cmd = new ArrayList<>(List.of("rbd", "-c", conf().toString()));
        cmd.addAll(List.of(args));
        return QemuTools.run(cmd).ok();
    }

    /** Runs the {@code ceph} tool against this cluster; fails unless it exits 0. */
    public String ceph(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ceph", "--connect-timeout", "20", "-c", conf().toString()));
        cmd.addAll(List.of(args));
        return QemuTools.run(cmd).ok();
    }

    private void bootstrap() throws IOException {
        for (String d : List.of("run", "log", "mon.a", "osd.0")) {
            Files.createDirectories(dir.resolve(d));
        }
        String fsid = UUID.randomUUID().toString();
        int port = freePortPair();
        String monAddr = "[v2:127.0.0.1:" + (port + 1) + ",v1:127.0.0.1:" + port + "]";
        Files.writeString(conf(), configuration(fsid, monAddr, port));

        Path monKeyring = dir.resolve("mon.keyring");
        Path adminKeyring = dir.resolve("admin.keyring");
        run("ceph-authtool", "--create-keyring", monKeyring.toString(), "--gen-key", "-n", "mon.",
                "--cap", "mon", "allow *");
        run("ceph-authtool", "--create-keyring", adminKeyring.toString(), "--gen-key", "-n", "client.admin",
                "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *");
        run("ceph-authtool", monKeyring.toString(), "--import-keyring", adminKeyring.toString());
        Path monmap = dir.resolve("monmap");
        run("monmaptool", "--create", "--fsid", fsid, "--addv", "a", monAddr, monmap.toString());
        run("ceph-mon", "-c", conf().toString(), "-i", "a", "--mkfs", "--monmap", monmap.toString(),
                "--keyring", monKeyring.toString());
        spawn("mon.a", "ceph-mon", "-c", conf().toString(), "-i", "a", "-f");
        waitFor("the monitor's quorum", "quorum_status");

        String osdUuid = UUID.randomUUID().toString();
        ceph("osd", "new", osdUuid);
        ceph("auth", "get-or-create", "osd.0", "mon", "allow profile osd", "osd", "allow *",
                "-o", dir.resolve("osd.0").resolve("keyring").toString());
        run("ceph-osd", "-c", conf().toString(), "-i", "0", "--mkfs", "--osd-uuid", osdUuid);
        spawn("osd.0", "ceph-osd", "-c", conf().toString(), "-i", "0", "-f");
        waitFor("osd.0 up", "osd", "dump");

        for (String pool : List.of(POOL, OTHER_POOL)) {
            ceph("osd", "pool", "create", pool, "8", "8", "replicated");
            rbd("pool", "init", pool);
        }
        ceph("auth", "get-or-create", "client." + READER, "mon", "profile rbd", "osd",
                "profile rbd-read-only pool=" + POOL, "-o", readerKeyring().toString());
        // real I/O proves the placement groups are active (there is no manager to ask)
        Path probe = dir.resolve("run").resolve("probe");
        Files.writeString(probe, "probe");
        awaitTrue("pool " + POOL + " writable", () -> QemuTools.run("rados", "-c", conf().toString(), "-p", POOL,
                "put", "_probe", probe.toString()).exitCode() == 0);
        QemuTools.run("rados", "-c", conf().toString(), "-p", POOL, "rm", "_probe").ok();
    }

    private String configuration(String fsid, String monAddr, int port) {
        return String.join("\n",
                "[global]",
                "fsid = " + fsid,
                "mon host = " + monAddr,
                "mon initial members = a",
                "public addr = 127.0.0.1",
                "public network = 127.0.0.1/32",
                "ms bind ipv6 = false",
                "ms bind port min = " + (port + 11),
                "ms bind port max = " + (port + 99),
                "keyring = " + dir.resolve("admin.keyring"),
                "run dir = " + dir.resolve("run"),
                "crash dir = " + dir.resolve("run"),
                "osd pool default size = 1",
                "osd pool default min size = 1",
                "osd pool default pg autoscale mode = off",
                "osd crush chooseleaf type = 0",
                "mon allow pool size one = true",
                "mon allow pool delete = true",
                "mon warn on pool no redundancy = false",
                "mon warn on insecure global id reclaim allowed = false",
                "# a client that cannot reach the monitor gives up after 20 s, not 300 s",
                "client mount timeout = 20",
                "",
                "[mon]",
                "mon data = " + dir.resolve("mon.$id"),
                "# Ceph's default of 1 s makes every map change (OSD boot, pool creation) wait",
                "paxos propose interval = 0.1",
                "log file = " + dir.resolve("log").resolve("$name.log"),
                "mon cluster log file = " + dir.resolve("log").resolve("cluster.log"),
                "admin socket = " + dir.resolve("run").resolve("$name.asok"),
                "",
                "[osd]",
                "osd data = " + dir.resolve("osd.$id"),
                "keyring = " + dir.resolve("osd.$id").resolve("keyring"),
                "log file = " + dir.resolve("log").resolve("$name.log"),
                "admin socket = " + dir.resolve("run").resolve("$name.asok"),
                "osd objectstore = memstore",
                "memstore device bytes = 1073741824",
                "osd client watch timeout = " + WATCH_TIMEOUT_SECONDS,
                "");
    }

    /** A port P with P and P+1 free on 127.0.0.1 (the monitor's v1 and v2 addresses). */
    private static int freePortPair() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 50; i++) {
            int p = 20000 + ThreadLocalRandom.current().nextInt(20000) * 2;
            try (ServerSocket a = new ServerSocket(p, 1, lo); ServerSocket b = new ServerSocket(p + 1, 1, lo)) {
                return p;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port pair for the Ceph monitor");
    }

    private void run(String... command) {
        QemuTools.run(command).ok();
    }

    private void spawn(String name, String... command) throws IOException {
        Path log = dir.resolve("log").resolve(name + ".stdout");
        daemons.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    private void waitFor(String what, String... cephArgs) {
        List<String> cmd = new ArrayList<>(List.of("ceph", "--connect-timeout", "10", "-c", conf().toString()));
        cmd.addAll(List.of(cephArgs));
        awaitTrue(what, () -> {
            QemuTools.Result r = QemuTools.run(cmd);
            return r.exitCode() == 0 && (!what.startsWith("osd.0") || r.stdout().contains("\nosd.0 up"));
        });
    }

    private void awaitTrue(String what, java.util.function.BooleanSupplier ready) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_SECONDS);
        while (!ready.getAsBoolean()) {
            for (Process d : daemons) {
                if (!d.isAlive()) {
                    throw new AssertionError("a Ceph daemon exited (" + d.exitValue() + ") while waiting for " + what
                            + "; logs in " + dir.resolve("log"));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; logs in " + dir.resolve("log"));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Stops the daemons, OSD first, and deletes the directory. */
    public synchronized void destroy() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            QemuTools.stop(daemons.get(i));
        }
        daemons.clear();
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
    }
}
