package org.strata.itests.powerloss;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.format.qcow2.Qcow2FormatDriver;
import org.strata.format.vdi.VdiFormatDriver;
import org.strata.format.vhdx.VhdxFormatDriver;
import org.strata.format.vmdk.VmdkFormatDriver;
import org.strata.format.vpc.VpcFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.CpuTime;
import org.strata.testkit.CrashCheck;
import org.strata.testkit.FileContext;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;
import org.strata.testkit.RecordingStorageDriver;
import org.strata.testkit.WriteLog;

/**
 * Power cuts replayed at the storage. A guest ({@link Guest}: writes, writes of zeroes, discards, flushes; for
 * qcow2 a snapshot too) uses an image through the real driver and file backend, with a
 * {@link RecordingStorageDriver} in between; then the image is rebuilt as a power cut may leave it
 * ({@link WriteLog#crashState}: what syncs made durable, plus any subset of the rest in sectors or pages), opened
 * for writing by Strata where the format repairs on open (a dirty lazy-refcounts image, a VHDX log), and must be
 * consistent for {@code qemu-img check} ({@link CrashCheck}: leaks allowed; for vpc, which QEMU cannot check,
 * readable by qemu-img) and hold every write the guest had flushed. A missing sync between dependent writes shows
 * here and nowhere else: a killed process leaves the page cache whole.
 *
 * <p>Two workloads per image kind: a random one, cut at syncs of the image file and at random moments between;
 * and a short one (allocating writes, copy-on-write, a snapshot) cut at every moment, each time with only the last
 * change in flight surviving and with random subsets of them: a write that should have waited for a sync fails it
 * whatever the seed.
 * {@code -Dpowerloss.ops=N} (the random workload's requests), {@code -Dpowerloss.syncCuts=N},
 * {@code -Dpowerloss.randomCuts=N} and {@code -Dpowerloss.seed=S} make it longer or repeat a run
 * (scripts/reliability.sh powerloss).
 */
class PowerLossTest {

    private static final long MIB = 1 << 20;
    private static final long SIZE = 8 * MIB;
    /** qemu-img's default qcow2 cluster size, which the images here keep. */
    private static final long CLUSTER = 64 << 10;
    private static final int OPS = Integer.getInteger("powerloss.ops", 100);
    private static final int RANDOM_CUTS = Integer.getInteger("powerloss.randomCuts", 10);
    /** At most this many of the random workload's syncs are cut at (chosen at random): all with a larger number. */
    private static final int SYNC_CUTS = Integer.getInteger("powerloss.syncCuts", 20);
    private static final long SEED = Long.getLong("powerloss.seed", System.nanoTime());
    /**
     * Random subsets of what was in flight tried at each moment of the short workload, besides the one where only
     * the last change survives.
     */
    private static final int RANDOM_SUBSETS_PER_CUT = 3;
    private static final List<FormatDriver> FORMATS = List.of(new Qcow2FormatDriver(), new VmdkFormatDriver(),
            new VpcFormatDriver(), new VhdxFormatDriver(), new VdiFormatDriver());
    private static final Path FAILURES = Path.of(System.getProperty("itest.work", "target"), "powerloss-failures");

    /**
     * One image kind under test.
     *
     * @param options  qemu-img create's -o options (may be empty)
     * @param backing  the image has a qcow2 backing file with data (copy-on-write)
     * @param snapshot the workloads take an internal snapshot
     * @param repaired Strata repairs the image when it opens it for writing (dirty bit, log replay)
     */
    record Scenario(String name, String format, String options, boolean backing, boolean snapshot,
                    boolean repaired) {
        /** QEMU 7.2 has no check for vpc: there, that qemu-img reads the image right is the test. */
        boolean qemuChecks() {
            return !format.equals("vpc");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("qcow2", "qcow2", "", false, true, false),
                new Scenario("qcow2 lazy refcounts", "qcow2", "lazy_refcounts=on", false, true, true),
                new Scenario("qcow2 over a backing file", "qcow2", "", true, false, false),
                new Scenario("qcow2 lazy refcounts over a backing file", "qcow2", "lazy_refcounts=on", true, false,
                        true),
                new Scenario("vmdk", "vmdk", "", false, false, false),
                new Scenario("vpc", "vpc", "", false, false, false),
                new Scenario("vhdx", "vhdx", "block_size=1M", false, false, true),
                new Scenario("vdi", "vdi", "", false, false, false));
    }

    /** Requests of a guest. */
    private interface Workload {
        void run(Guest guest) throws IOException;
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyCutOfARandomWorkloadLeavesAConsistentImageHoldingEveryFlushedWrite(Scenario sc) throws Exception {
        long started = System.nanoTime();
        double cpu = CpuTime.seconds();
        Random rnd = new Random(SEED ^ sc.name.hashCode());
        Path image = create(sc);
        WriteLog log = new WriteLog();
        Guest guest = run(sc, image, log, g -> randomRequests(sc, g, rnd));

        List<Long> syncPoints = new ArrayList<>(log.syncPoints(image.toString()));
        Collections.shuffle(syncPoints, rnd);
        TreeSet<Long> cuts = new TreeSet<>(syncPoints.subList(0, Math.min(SYNC_CUTS, syncPoints.size())));
        int atSyncs = cuts.size();
        long end = log.now();
        while (cuts.size() < atSyncs + RANDOM_CUTS) {
            cuts.add((long) rnd.nextInt((int) end + 1));
        }
        for (long cut : cuts) {
            int granularity = rnd.nextBoolean() ? 512 : 4096;
            verifyCut(sc, image, guest, log.crashState(cut, rnd, granularity), cut,
                    "seed " + SEED + ", cut at moment " + cut + " of " + end + " in " + granularity + "-byte pieces");
        }
        System.out.printf("power loss, %s: random workload of %d requests (%d writes, %d flushes), %d storage"
                        + " changes, %d syncs; %d cuts (%d at syncs, %d between) consistent, every flushed write kept;"
                        + " %.1f s, CPU %.1f s (seed %d)%n", sc, OPS, guest.writes(), guest.flushes(), log.changes(),
                log.syncs(), cuts.size(), atSyncs, cuts.size() - atSyncs, (System.nanoTime() - started) / 1e9,
                CpuTime.seconds() - cpu, SEED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void everyMomentOfAShortWorkloadLeavesAConsistentImageHoldingEveryFlushedWrite(Scenario sc) throws Exception {
        long started = System.nanoTime();
        double cpu = CpuTime.seconds();
        Path image = create(sc);
        WriteLog log = new WriteLog();
        Guest guest = run(sc, image, log, g -> {
            g.write(CLUSTER + 512, Patterns.filled(1024, 1).array()); // allocates; copy-on-write over a backing file
            g.flush();
            if (sc.snapshot) {
                g.snapshot("taken");
            }
            g.write(CLUSTER + 8192, Patterns.filled(4096, 2).array()); // copy-on-write after the snapshot
            g.write(3 * MIB, Patterns.filled((int) CLUSTER, 3).array()); // a whole new cluster, then the next one
            g.write(3 * MIB + CLUSTER, Patterns.filled(512, 4).array());
            g.flush();
            g.discard(3 * MIB, CLUSTER);
            g.flush();
        });
        Random rnd = new Random(1);
        Set<Integer> seen = new HashSet<>();
        int tried = 0;
        for (long cut : log.cutPoints()) {
            List<Map<String, byte[]>> states = new ArrayList<>(List.of(log.crashStateKeepingOnlyTheLast(cut)));
            for (int i = 0; i < RANDOM_SUBSETS_PER_CUT; i++) {
                states.add(log.crashState(cut, rnd, 4096));
            }
            for (Map<String, byte[]> state : states) {
                if (seen.add(Arrays.deepHashCode(state.values().toArray()))) {
                    verifyCut(sc, image, guest, state, cut, "cut at moment " + cut + " of " + log.now());
                    tried++;
                }
            }
        }
        System.out.printf("power loss, %s: short workload, %d storage changes, %d syncs; %d distinct images cut at"
                        + " every moment consistent, every flushed write kept; %.1f s, CPU %.1f s%n", sc,
                log.changes(), log.syncs(), tried, (System.nanoTime() - started) / 1e9, CpuTime.seconds() - cpu);
    }

    private Path create(Scenario sc) {
        Path image = dir.resolve("disk." + sc.format);
        List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", sc.format));
        if (!sc.options.isEmpty()) {
            create.addAll(List.of("-o", sc.options));
        }
        if (sc.backing) {
            Path base = dir.resolve("base.qcow2");
            QemuTools.qemuImg("create", "-q", "-f", "qcow2", base, SIZE);
            QemuTools.qemuIo("-f", "qcow2", "-c", "write -P 0x11 0 3M", "-c", "write -P 0x22 3M 1000k",
                    "-c", "write -P 0x33 5M 3M", base);
            create.addAll(List.of("-b", "base.qcow2", "-F", "qcow2"));
        }
        create.addAll(List.of(image.toString(), Long.toString(SIZE)));
        QemuTools.run(create).ok();
        return image;
    }

    /** Runs {@code workload} on the image opened through a recording storage; returns the guest's record. */
    private static Guest run(Scenario sc, Path image, WriteLog log, Workload workload) throws IOException {
        try (FormatAccess disk = FileContext.open(new RecordingStorageDriver(new FileStorageDriver(), log), FORMATS,
                image.toString(), sc.format, true, true)) {
            Guest guest = new Guest(disk, log);
            workload.run(guest);
            return guest;
        }
    }

    private static void randomRequests(Scenario sc, Guest g, Random rnd) throws IOException {
        for (int i = 0; i < OPS; i++) {
            int length = (1 + rnd.nextInt(rnd.nextInt(8) == 0 ? 1024 : 128)) * Guest.SECTOR;
            long offset = (long) rnd.nextInt((int) ((g.size() - length) / Guest.SECTOR) + 1) * Guest.SECTOR;
            double op = rnd.nextDouble();
            if (sc.snapshot && i == OPS / 2) {
                g.snapshot("half-way");
            } else if (op < 0.6) {
                g.write(offset, Patterns.random(rnd, length));
            } else if (op < 0.72) {
                g.writeZeroes(offset, length);
            } else if (op < 0.84) {
                g.discard(offset, length);
            } else {
                g.flush();
            }
        }
    }

    /** Puts {@code state} in place of the files, and checks the image as the guest and QEMU would find it. */
    private void verifyCut(Scenario sc, Path image, Guest guest, Map<String, byte[]> state, long cut, String what)
            throws IOException {
        for (Map.Entry<String, byte[]> f : state.entrySet()) {
            Files.write(Path.of(f.getKey()), f.getValue());
        }
        String where = sc + ", " + what;
        if (sc.repaired) {
            try (FormatAccess repaired = FileContext.open(new FileStorageDriver(), FORMATS, image.toString(),
                    sc.format, true, true)) {
                repaired.size(); // opening for writing repairs the dirty image or replays the log
            } catch (IOException e) {
                fail(keep(sc, image, where) + ": Strata cannot open the image: " + e.getMessage(), e);
            }
        }
        String problems = sc.qemuChecks() ? CrashCheck.problems(sc.format, image.toString(), CLUSTER, false) : null;
        if (problems != null) {
            fail(keep(sc, image, where) + ": " + problems);
        }
        byte[] disk = sc.qemuChecks() ? readWithStrata(sc, image) : readWithQemu(sc, image, where);
        Guest.Expectation expected = guest.at(cut);
        int bad = 0;
        long first = -1;
        for (int s = expected.mustHold().nextSetBit(0); s >= 0; s = expected.mustHold().nextSetBit(s + 1)) {
            int from = s * Guest.SECTOR;
            if (!Arrays.equals(expected.content(), from, from + Guest.SECTOR, disk, from, from + Guest.SECTOR)) {
                bad++;
                first = first < 0 ? from : first;
            }
        }
        if (bad > 0) {
            fail(keep(sc, image, where) + ": " + bad + " sectors that a flush made durable read otherwise, the first"
                    + " at guest offset " + first);
        }
    }

    private static byte[] readWithStrata(Scenario sc, Path image) throws IOException {
        try (FormatAccess disk = FileContext.open(new FileStorageDriver(), FORMATS, image.toString(), sc.format,
                false, true)) {
            ByteBuffer all = ByteBuffer.allocate(Math.toIntExact(disk.size()));
            disk.read(all, 0);
            return all.array();
        }
    }

    /** Where qemu-img cannot check a format, that it reads the image (and reads it right) is the test. */
    private byte[] readWithQemu(Scenario sc, Path image, String where) throws IOException {
        Path raw = dir.resolve("guest.raw");
        QemuTools.Result read = QemuTools.run("qemu-img", "convert", "-f", sc.format, "-O", "raw", image.toString(),
                raw.toString());
        if (read.exitCode() != 0) {
            fail(keep(sc, image, where) + ": qemu-img cannot read the image: " + read.stderr());
        }
        return Files.readAllBytes(raw);
    }

    /** Keeps a failing image for a look; returns {@code where} with where it was kept. */
    private static String keep(Scenario sc, Path image, String where) throws IOException {
        Files.createDirectories(FAILURES);
        Path kept = FAILURES.resolve(sc.name.replace(' ', '-') + "-" + image.getFileName());
        Files.copy(image, kept, StandardCopyOption.REPLACE_EXISTING);
        return where + " (image kept in " + kept + ")";
    }
}
