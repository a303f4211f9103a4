package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.CpuTime;
import org.strata.testkit.CrashCheck;
import org.strata.testkit.QemuTools;

/**
 * Long load: 32 NBD clients (nbd-load.py) read, write, write zeroes, trim and flush their own regions of a qcow2
 * node over a backing file, verifying every read against what they wrote, while the daemon's memory is sampled
 * (heap after a full GC, and RSS). No request may fail, no byte may be wrong, and the memory stays flat: the
 * heap after GC at the end within a margin of what it was once warm, RSS likewise.
 *
 * <p>{@code -Dload.seconds=N} (default 40; scripts/reliability.sh load runs it for minutes).
 */
class LongLoadTest {

    private static final int SECONDS = Integer.getInteger("load.seconds", 40);
    private static final int CLIENTS = 32;
    private static final long MIB = 1 << 20;
    private static final int SAMPLE_SECONDS = 5;
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    private Daemon daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** One sample of the daemon's memory. */
    private record Sample(long second, long heapAfterGcKiB, long rssKiB) {
    }

    @Test
    void thirtyTwoClientsKeepEveryByteRightWhileTheDaemonsMemoryStaysFlat() throws Exception {
        double cpu = CpuTime.seconds();
        Path home = StrataInstall.newHome();
        Path base = home.resolve("base.qcow2");
        Path top = home.resolve("top.qcow2");
        long size = CLIENTS * MIB;
        QemuTools.qemuImg("create", "-q", "-f", "qcow2", base, size);
        QemuTools.qemuIo("-f", "qcow2", "-c", "write -P 0x5c 0 " + size / 2, "-c", "write -P 0xc5 " + size / 2
                + " " + size / 4, base);
        QemuTools.qemuImg("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top, size);
        daemon = Daemon.start(home);
        daemon.exec("node:add", "--name", "vm", top.toString());
        daemon.exec("export:add", "--writable", "vm");

        List<Sample> samples = new ArrayList<>();
        List<NbdLoad.Result> results;
        long started = System.nanoTime();
        try (NbdLoad load = new NbdLoad(daemon.nbd("vm"), CLIENTS, MIB, home, 0.05)) {
            for (long next = SAMPLE_SECONDS; next <= SECONDS; next += SAMPLE_SECONDS) {
                long sleep = started + TimeUnit.SECONDS.toNanos(next) - System.nanoTime();
                TimeUnit.NANOSECONDS.sleep(Math.max(0, sleep));
                samples.add(sample(next));
            }
            results = load.stop();
        }
        long requests = results.stream().mapToLong(NbdLoad.Result::requests).sum();
        double longest = results.stream().mapToDouble(NbdLoad.Result::longestMillis).max().orElse(0);
        System.out.printf("long load: %d NBD clients for %d s on a qcow2 node over a backing file: %d requests"
                        + " (%.0f per second), longest %.0f ms; daemon memory every %d s (heap after GC / RSS, MiB):"
                        + " %s; CPU %.0f s%n", CLIENTS, SECONDS, requests, requests / (double) SECONDS, longest,
                SAMPLE_SECONDS, samples.stream().map(s -> s.heapAfterGcKiB / 1024 + "/" + s.rssKiB / 1024).toList(),
                CpuTime.seconds() - cpu);
        for (NbdLoad.Result r : results) {
            assertEquals(0, r.failures(), "failed requests, the first: " + r.firstError());
            assertEquals(0, r.wrongBytes(), "wrong bytes read");
            assertEquals(0, r.disconnects(), "disconnects");
            assertTrue(r.requests() > 100, "every client kept working: " + r.requests() + " requests");
        }
        assertFlat(samples);

        assertNull(CrashCheck.problems("qcow2", top.toString(), 64 << 10, true), "qemu-img check of the node");
        Path raw = home.resolve("final.raw");
        QemuTools.qemuImg("convert", "-U", "-O", "raw", top, raw);
        byte[] disk = Files.readAllBytes(raw);
        for (int i = 0; i < results.size(); i++) {
            assertArrayEquals(results.get(i).region(), Arrays.copyOfRange(disk, (int) (i * MIB),
                    (int) ((i + 1) * MIB)), "client " + i + "'s region holds what it last saw");
        }
    }

    /**
     * Flat: the last third of the samples no higher than the second third's highest, by a margin (10% and 16 MiB of
     * heap, 10% and 64 MiB of RSS, which a growing heap commits in steps). The first third is warm-up (JIT, caches
     * filling up to their bounds).
     */
    private static void assertFlat(List<Sample> samples) {
        int third = samples.size() / 3;
        assertTrue(third >= 1, "too few samples: run for at least " + 3 * SAMPLE_SECONDS + " s");
        long heapWarm = 0;
        long rssWarm = 0;
        for (Sample s : samples.subList(third, 2 * third)) {
            heapWarm = Math.max(heapWarm, s.heapAfterGcKiB);
            rssWarm = Math.max(rssWarm, s.rssKiB);
        }
        for (Sample s : samples.subList(2 * third, samples.size())) {
            assertTrue(s.heapAfterGcKiB <= heapWarm * 11 / 10 + 16 * 1024, "heap after GC grows: " + samples);
            assertTrue(s.rssKiB <= rssWarm * 11 / 10 + 64 * 1024, "RSS grows: " + samples);
        }
    }

    private Sample sample(long second) throws Exception {
        long pid = daemon.process.pid();
        QemuTools.run("jcmd", pid, "GC.run").ok();
        String heap = QemuTools.run("jcmd", pid, "GC.heap_info").ok();
        Matcher used = HEAP_USED.matcher(heap);
        assertTrue(used.find(), heap);
        Matcher rss = RSS.matcher(Files.readString(Path.of("/proc/" + pid + "/status")));
        assertTrue(rss.find());
        return new Sample(second, Long.parseLong(used.group(1)), Long.parseLong(rss.group(1)));
    }
}
