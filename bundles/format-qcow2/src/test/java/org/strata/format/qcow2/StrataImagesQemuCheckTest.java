package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.testkit.Patterns;

/**
 * Images created and written by Strata: qemu-img check finds no corruption and no leak, and qemu-img compare finds
 * them equal to the expected content (kept in a byte array while writing, then written to a raw file).
 */
class StrataImagesQemuCheckTest {

    @TempDir
    Path dir;

    static Map<String, String> options(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.split(",")) {
            if (!kv.isEmpty()) {
                String[] p = kv.split("=", 2);
                m.put(p[0], p[1]);
            }
        }
        return m;
    }

    /** Random writes, zeroes and discards on the image and on the model alike. */
    static void randomOps(FormatAccess a, byte[] model, Random rnd, int count) throws IOException {
        int size = model.length;
        for (int i = 0; i < count; i++) {
            int off = rnd.nextInt(size);
            int len = Math.min(size - off, 1 + (rnd.nextBoolean() ? rnd.nextInt(8192) : rnd.nextInt(200_000)));
            int op = rnd.nextInt(10);
            if (op < 6) {
                byte[] data = Patterns.random(rnd, len);
                a.write(ByteBuffer.wrap(data), off);
                System.arraycopy(data, 0, model, off, len);
            } else if (op < 8) {
                a.writeZeroes(off, len);
                Arrays.fill(model, off, off + len, (byte) 0);
            } else if (op < 9) {
                a.discardToZero(off, len);
                Arrays.fill(model, off, off + len, (byte) 0);
            } else {
                a.flush();
            }
        }
    }

    private Path expectedRaw(byte[] model) throws IOException {
        Path raw = dir.resolve("expected-" + System.nanoTime() + ".raw");
        Files.write(raw, model);
        return raw;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "compat=0.10", "cluster_size=512,refcount_bits=1", "cluster_size=4096,refcount_bits=64",
        "extended_l2=on", "extended_l2=on,cluster_size=16k,refcount_bits=2", "lazy_refcounts=on",
        "preallocation=metadata", "preallocation=falloc", "preallocation=full", "compression_type=zstd",
        "cluster_size=2M", "refcount_bits=8,cluster_size=1k", "DATAFILE", "DATAFILE,data_file_raw=on"})
    void writtenImagesAreCleanAndEqual(String spec) throws IOException {
        Path img = dir.resolve("w.qcow2");
        spec = spec.replace("DATAFILE", "data_file=" + dir.resolve("w.data"));
        TestImages.create(img, 3 << 20, options(spec));
        Qemu.assertClean(img);
        byte[] model = new byte[3 << 20];
        Random rnd = new Random(spec.hashCode());
        try (FormatAccess a = TestContext.open(img, true)) {
            a.setWriteParallelization(3);
            randomOps(a, model, rnd, 60);
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(model));
        try (FormatAccess a = TestContext.open(img, true)) {
            randomOps(a, model, rnd, 30);
            a.discardToBacking(0, 1 << 20);
            Arrays.fill(model, 0, 1 << 20, (byte) 0);
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(model));
    }

    @ParameterizedTest
    @ValueSource(strings = {"compression_type=zlib", "compression_type=zstd",
        "compression_type=zstd,extended_l2=on", "cluster_size=4k"})
    void compressedWritesAreCleanAndEqual(String spec) throws IOException {
        Path img = dir.resolve("c.qcow2");
        TestImages.create(img, 2 << 20, options(spec));
        byte[] model = new byte[2 << 20];
        Random rnd = new Random(5);
        int cs;
        try (FormatAccess a = TestContext.open(img, true)) {
            cs = (int) a.info().clusterSize();
            for (int off = 0; off < model.length; off += cs) {
                byte[] cluster = new byte[cs];
                for (int i = 0; i < cs; i++) {
                    cluster[i] = (byte) (off / cs + (i / 100 % 7 == 0 ? rnd.nextInt(3) : 0));
                }
                if (off / cs % 5 == 4) {
                    rnd.nextBytes(cluster); // incompressible: written normally
                }
                if (off / cs % 7 != 6) {
                    a.writeCompressed(ByteBuffer.wrap(cluster), off);
                    System.arraycopy(cluster, 0, model, off, cs);
                }
            }
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(model));
        assertTrue(Qemu.check(img).get("compressed-clusters").getAsLong() > 0);
        try (FormatAccess a = TestContext.open(img, true)) {
            randomOps(a, model, rnd, 40);
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(model));
    }

    @Test
    void concurrentWritersLoseNothingAndLeakNothing() throws Exception {
        Path img = dir.resolve("conc.qcow2");
        TestImages.create(img, 4 << 20, options("extended_l2=on"));
        byte[] model = new byte[4 << 20];
        int threads = 8;
        int region = ((4 << 20) - 20000) / threads; // not cluster aligned: neighbours share clusters
        try (FormatAccess a = TestContext.open(img, true)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    fs.add(pool.submit(() -> {
                        Random rnd = new Random(id);
                        for (int i = 0; i < 200; i++) {
                            int len = 1 + rnd.nextInt(9000);
                            int off = id * region + rnd.nextInt(region - len);
                            // interleave: threads write stripes of one another's clusters too
                            byte[] data = Patterns.random(rnd, len);
                            a.write(ByteBuffer.wrap(data), off);
                            synchronized (model) {
                                System.arraycopy(data, 0, model, off, len);
                            }
                            if (i % 50 == 0) {
                                a.flush();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(model));
    }

    /** Writers, compressed writers and flushes at once, over a backing file, on neighbouring regions. */
    @ParameterizedTest
    @ValueSource(strings = {"extended_l2=on,compression_type=zstd", "cluster_size=4k", "lazy_refcounts=on"})
    void concurrentMixedOperationsOverABackingFile(String spec) throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base, "4M");
        Qemu.io("-c", "write -P 0x3a 0 4M", base);
        byte[] model = Qemu.raw(base);
        Path img = dir.resolve("mixed.qcow2");
        TestImages.create(img, new CreateRequest(-1, options(spec), "base.qcow2", "qcow2", true));
        int threads = 4;
        int region = (4 << 20) / threads;
        try (FormatAccess a = TestContext.open(img, true)) {
            int cs = (int) a.info().clusterSize();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    fs.add(pool.submit(() -> {
                        Random rnd = new Random(100 + id);
                        int half = region / 2;
                        int nextCompressed = id * region + half;
                        for (int i = 0; i < 150; i++) {
                            int op = rnd.nextInt(10);
                            if (op < 3 && nextCompressed + cs <= (id + 1) * region) {
                                byte[] c = new byte[cs];
                                Arrays.fill(c, (byte) rnd.nextInt(5));
                                a.writeCompressed(ByteBuffer.wrap(c), nextCompressed);
                                synchronized (model) {
                                    System.arraycopy(c, 0, model, nextCompressed, cs);
                                }
                                nextCompressed += cs;
                            } else if (op < 9) {
                                int len = 1 + rnd.nextInt(20000);
                                int off = id * region + rnd.nextInt(half - len);
                                byte[] data = Patterns.random(rnd, len);
                                a.write(ByteBuffer.wrap(data), off);
                                synchronized (model) {
                                    System.arraycopy(data, 0, model, off, len);
                                }
                            } else {
                                a.flush();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(model));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "extended_l2=on", "compat=0.10,cluster_size=4k"})
    void copyOnWriteOverABackingFile(String spec) throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", base, "2M");
        Qemu.io("-c", "write -P 0xbb 0 2M", "-c", "write -P 0xbc 1M 100k", base);
        byte[] model = Qemu.raw(base);
        Path top = dir.resolve("top.qcow2");
        Map<String, String> o = options(spec);
        Map<String, String> printed = TestImages.create(top, new CreateRequest(-1, o, "base.qcow2", "qcow2", true));
        assertEquals("2097152", printed.get("size"));
        Random rnd = new Random(3);
        try (FormatAccess a = TestContext.open(top, true)) {
            randomOps(a, model, rnd, 40);
            a.discardToBacking(65536, 65536);
            System.arraycopy(Qemu.raw(base), 65536, model, 65536, 65536);
        }
        Qemu.assertClean(top);
        Qemu.assertSameContent(top, expectedRaw(model));
    }

    /**
     * A shrink into a compressed cluster of zeroes makes it a normal cluster (the part past the new end is
     * deallocated) in a fresh host cluster past the end of the file, to which nothing is written (it reads as
     * zeroes): the file must still reach it, or qemu-img check finds a cluster wholly past the end
     * (RandomStressTest found it, seed 27866956342421).
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "extended_l2=on", "extended_l2=on,cluster_size=16k,lazy_refcounts=on"})
    void aShrinkIntoACompressedClusterOfZeroesLeavesItInsideTheFile(String spec) throws IOException {
        Path img = dir.resolve("z.qcow2");
        TestImages.create(img, 1 << 20, options(spec));
        try (FormatAccess a = TestContext.open(img, true)) {
            int cluster = (int) a.info().clusterSize();
            a.writeCompressed(ByteBuffer.wrap(new byte[cluster]), (1 << 20) - cluster);
            a.resize((1 << 20) - 1024, Preallocation.OFF);
        }
        Qemu.assertClean(img);
        Qemu.io("-c", "read -P 0 0 " + ((1 << 20) - 1024), img);
    }

    /** The brief's own case: zstd, extended L2 entries and a backing file, made by Strata, read by qemu-io. */
    @Test
    void zstdExtendedL2WithBackingIsAcceptedByQemu() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base, "1M");
        Qemu.io("-c", "write -P 0x61 0 1M", base);
        Path top = dir.resolve("top.qcow2");
        TestImages.create(top, new CreateRequest(-1, options("compression_type=zstd,extended_l2=on"), "base.qcow2",
                "qcow2", true));
        try (FormatAccess a = TestContext.open(top, true)) {
            a.write(Patterns.filled(1000, 0x62), 5000);
            a.writeZeroes(65536, 4096);
            byte[] cluster = new byte[65536];
            Arrays.fill(cluster, (byte) 0x63);
            a.writeCompressed(ByteBuffer.wrap(cluster), 196608);
        }
        Qemu.assertClean(top);
        String info = Qemu.img("info", top);
        assertTrue(info.contains("compression type: zstd") && info.contains("extended l2: true"), info);
        Qemu.io("-c", "read -P 0x61 0 5000", "-c", "read -P 0x62 5000 1000", "-c", "read -P 0x61 6000 59536",
                "-c", "read -P 0 65536 4096", "-c", "read -P 0x61 69632 126976", "-c", "read -P 0x63 196608 64k",
                "-c", "read -P 0x61 262144 786432", top);
    }

    @Test
    void resizeGrowAndShrinkStayClean() throws IOException {
        Path img = dir.resolve("r.qcow2");
        TestImages.create(img, 1 << 20, Map.of("cluster_size", "4k"));
        byte[] model = new byte[8 << 20];
        try (FormatAccess a = TestContext.open(img, true)) {
            a.write(Patterns.filled(1 << 20, 0x21), 0);
            Arrays.fill(model, 0, 1 << 20, (byte) 0x21);
            a.resize(8 << 20, Preallocation.OFF);
            a.write(Patterns.filled(1 << 20, 0x22), 6 << 20);
            Arrays.fill(model, 6 << 20, 7 << 20, (byte) 0x22);
            a.resize(3 << 20, Preallocation.OFF);
            a.resize(5 << 20, Preallocation.METADATA);
            a.resize(6 << 20, Preallocation.FULL);
            a.resize(7 << 20, Preallocation.FALLOC);
        }
        Arrays.fill(model, 3 << 20, 8 << 20, (byte) 0);
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(Arrays.copyOf(model, 7 << 20)));
        try (FormatAccess a = TestContext.open(img, true)) {
            a.resize((1 << 20) + 512, Preallocation.OFF);
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(img, expectedRaw(Arrays.copyOf(model, (1 << 20) + 512)));
        assertTrue(Files.size(img) < (2 << 20), "shrinking truncates the file: " + Files.size(img));
    }

    @ParameterizedTest
    @ValueSource(strings = {"extended_l2=on", "extended_l2=on,preallocation=metadata", "preallocation=falloc"})
    void strataReadsItsOwnImagesLikeQemu(String spec) throws IOException {
        Path img = dir.resolve("own.qcow2");
        TestImages.create(img, 2 << 20, options(spec));
        try (FormatAccess a = TestContext.open(img, false)) {
            Qemu.assertMapAgrees(img, a);
        }
        try (FormatAccess a = TestContext.open(img, true)) {
            randomOps(a, new byte[2 << 20], new Random(9), 50);
        }
        byte[] expected = Qemu.raw(img);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertArrayEquals(expected, Qemu.readAll(a));
            Qemu.assertMapAgrees(img, a);
        }
    }
}
