package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.FileContext;
import org.strata.testkit.ForwardingStorage;
import org.strata.testkit.Patterns;
import org.strata.testkit.TestEngines;

/**
 * Lookups and writes into allocated clusters go on while an allocation is in progress, and many writers allocating
 * into one image at once leave exactly what they wrote, in an image qemu-img finds clean.
 */
class ConcurrentAllocationTest {

    private static final int UNIT = 4096;

    @TempDir
    Path dir;

    /**
     * Many threads write and read random parts of 4 KiB units of one image at once: each unit belongs to one thread
     * (so each thread knows what its units hold), and the 16 units of a 64 KiB cluster to different threads (so
     * they allocate the same clusters and tables concurrently, and look up clusters others are allocating).
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "cluster_size=4k", "extended_l2=on", "cluster_size=16k,extended_l2=on,BACKING",
        "lazy_refcounts=on,BACKING", "cluster_size=512,refcount_bits=1"})
    void concurrentWritersLeaveWhatTheyWrote(String spec) throws Exception {
        long seed = Long.getLong("strata.seed", System.nanoTime());
        int size = 8 << 20;
        int threads = 8;
        boolean backed = spec.contains("BACKING");
        Map<String, String> options = StrataImagesQemuCheckTest.options(spec.replace(",BACKING", "")
                .replace("BACKING", ""));
        Path img = dir.resolve("concurrent.qcow2");
        byte[] model = new byte[size];
        if (backed) {
            Path b = dir.resolve("base.qcow2");
            Qemu.img("create", "-f", "qcow2", b, Integer.toString(size));
            Qemu.io("-c", "write -P 0x5a 0 " + size / 2, "-c", "write -P 0xa5 " + size / 2 + " 64k", b);
            model = Qemu.raw(b);
            TestImages.create(img, new CreateRequest(size, options, "base.qcow2", "qcow2", true));
        } else {
            TestImages.create(img, size, options);
        }
        byte[] expected = model;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (FormatAccess a = TestContext.open(img, true)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int self = t;
                done.add(pool.submit(() -> {
                    writeAndCheckOwnUnits(a, expected, self, threads, new Random(seed + self), seed);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            byte[] got = TestImages.read(a, 0, size);
            int d = Patterns.firstDifference(expected, 0, got, 0, size);
            assertTrue(d < 0, "byte " + d + " differs after the concurrent writes (seed " + seed + ")");
        } finally {
            pool.shutdownNow();
        }
        Qemu.assertCleanHolding(img, expected);
    }

    /** One thread's random writes (whole units and parts), zeroings, reads and flushes of the units it owns. */
    private static void writeAndCheckOwnUnits(FormatAccess a, byte[] model, int self, int threads, Random rnd,
                                              long seed) throws IOException {
        int units = model.length / UNIT / threads;
        for (int i = 0; i < 400; i++) {
            int unit = rnd.nextInt(units) * threads + self;
            int start = unit * UNIT;
            int off = rnd.nextBoolean() ? 0 : rnd.nextInt(UNIT);
            int len = off == 0 && rnd.nextBoolean() ? UNIT : 1 + rnd.nextInt(UNIT - off);
            int op = rnd.nextInt(100);
            if (op < 70) {
                byte[] data = Patterns.random(rnd, len);
                a.write(ByteBuffer.wrap(data), start + off);
                System.arraycopy(data, 0, model, start + off, len);
            } else if (op < 80) {
                a.writeZeroes(start + off, len);
                Arrays.fill(model, start + off, start + off + len, (byte) 0);
            } else if (op < 82) {
                a.flush();
            }
            byte[] got = TestImages.read(a, start, UNIT);
            int d = Patterns.firstDifference(model, start, got, 0, UNIT);
            if (d >= 0) {
                fail("thread " + self + ", step " + i + ": byte " + (start + d) + " differs (seed " + seed + ")");
            }
        }
    }

    /**
     * While one writer is inside an allocation (held there by its storage), a write and a read of an allocated
     * cluster and a lookup of an unallocated one complete: an allocation no longer holds back every lookup.
     */
    @Test
    void allocatedClustersAreWrittenWhileAnAllocationIsInProgress() throws Exception {
        Path img = dir.resolve("held.qcow2");
        TestImages.create(img, 4 << 20, Map.of());
        Storage file = TestContext.FILES.open(img.toString(), StorageOptions.READ_WRITE);
        HeldStorage held = new HeldStorage(file);
        FileContext ctx = TestContext.forImage(img.toString());
        FormatImage image = new Qcow2FormatDriver().open(held, ctx);
        ExecutorService pool = Executors.newCachedThreadPool();
        try (FormatAccess a = TestEngines.of(image, () -> {
            try (file; ctx) {
                // closes both
            }
        })) {
            a.write(Patterns.filled(UNIT, 0x11), 0); // cluster 0 allocated
            held.holdNextSizeQuery();
            Future<?> allocating = pool.submit(() -> {
                a.write(Patterns.filled(UNIT, 0x22), 5L << 16); // allocates cluster 5, held inside
                return null;
            });
            assertTrue(held.entered.await(30, TimeUnit.SECONDS), "the allocation never asked for the file size");
            try {
                pool.submit(() -> {
                    a.write(Patterns.filled(UNIT, 0x33), UNIT);
                    assertArrayEquals(bytes(UNIT, 0x33), TestImages.read(a, UNIT, UNIT));
                    assertArrayEquals(new byte[UNIT], TestImages.read(a, 9L << 16, UNIT));
                    return null;
                }).get(10, TimeUnit.SECONDS);
            } finally {
                held.release.countDown();
            }
            allocating.get(30, TimeUnit.SECONDS);
            assertArrayEquals(bytes(UNIT, 0x22), TestImages.read(a, 5L << 16, UNIT));
        } finally {
            held.release.countDown();
            pool.shutdownNow();
        }
        Qemu.assertClean(img);
    }

    private static byte[] bytes(int length, int pattern) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) pattern);
        return b;
    }

    /** The image file, holding the first size query after {@link #holdNextSizeQuery} until released. */
    private static final class HeldStorage extends ForwardingStorage {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean armed;

        HeldStorage(Storage inner) {
            super(inner);
        }

        void holdNextSizeQuery() {
            armed = true;
        }

        @Override
        public long size() throws IOException {
            if (armed) {
                armed = false;
                entered.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.size();
        }
    }
}
