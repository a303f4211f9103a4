package org.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.Mapping;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;

/**
 * What every format driver must do, written once: creation, reads of fresh images, writes, zeroes, discards,
 * resizes, reopening, concurrency, and a long random sequence of all of them checked against a plain
 * in-memory model of the guest's disk. A driver's test extends this.
 */
public abstract class AbstractFormatDriverContractTest {

    @TempDir
    protected Path dir;

    protected abstract FormatDriver driver();

    /** The storage backend the images live in (the file backend, normally). */
    protected abstract StorageDriver storageDriver();

    /** Creation options for the images of this test (a cluster size, say). */
    protected Map<String, String> createOptions() {
        return Map.of();
    }

    /** Whether the format can resize an image at all (qemu's vpc, for one, cannot); if not, resizes must fail. */
    protected boolean canResize() {
        return true;
    }

    /** Whether the format can shrink an image (where it cannot, shrinking must be refused cleanly). */
    protected boolean canShrink() {
        return canResize();
    }

    private int counter;

    /** Creates a new image of {@code size} bytes and opens it for writing. */
    protected FormatAccess create(long size) throws IOException {
        String location = dir.resolve("image" + (counter++)).toString();
        try (Storage s = storageDriver().create(location, StorageOptions.READ_WRITE)) {
            driver().create(s, new CreateRequest(size, createOptions(), null, null, true),
                    new StandaloneContext(location, true));
        }
        return open(location, true);
    }

    /** Opens the image at {@code location}; the access closes its storage. */
    protected FormatAccess open(String location, boolean writable) throws IOException {
        Storage s = storageDriver().open(location, StorageOptions.READ_ONLY.withWritable(writable));
        try {
            return TestEngines.of(driver().open(s, new StandaloneContext(location, writable)), s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Closes {@code access} and opens its image again. */
    protected FormatAccess reopen(FormatAccess access, boolean writable) throws IOException {
        String location = access.storages().get(0).location();
        access.close();
        return open(location, writable);
    }

    protected static byte[] read(FormatAccess a, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        a.read(b, offset);
        return b.array();
    }

    @Test
    void aNewImageHasItsSizeAndReadsAsZeroes() throws IOException {
        try (FormatAccess a = create(3 << 20)) {
            assertEquals(3 << 20, a.size());
            assertTrue(a.isWritable());
            assertArrayEquals(new byte[1 << 20], read(a, 1 << 20, 1 << 20));
            Mapping m = a.getMapping(0, 3 << 20);
            assertTrue(m instanceof Mapping.Zero || m instanceof Mapping.Raw, m.toString());
        }
    }

    @Test
    void readsPastTheEndFillWithZeroes() throws IOException {
        try (FormatAccess a = create(1 << 20)) {
            a.write(Patterns.filled(4096, 0x33), (1 << 20) - 4096);
            byte[] got = read(a, (1 << 20) - 4096, 8192);
            for (int i = 0; i < 8192; i++) {
                assertEquals(i < 4096 ? 0x33 : 0, got[i] & 0xff, "byte " + i);
            }
        }
    }

    @Test
    void writesPastTheEndAreRefusedWritingNothing() throws IOException {
        try (FormatAccess a = create(1 << 20)) {
            assertThrows(IOException.class, () -> a.write(Patterns.filled(4096, 1), (1 << 20) - 2048));
            assertEquals(1 << 20, a.size());
            assertArrayEquals(new byte[4096], read(a, (1 << 20) - 4096, 4096));
        }
    }

    @Test
    void dataSurvivesReopeningAndReadOnlyRefusesWrites() throws IOException {
        Random rnd = new Random(7);
        byte[] data = Patterns.random(rnd, 300_000);
        FormatAccess a = create(4 << 20);
        a.write(ByteBuffer.wrap(data), 123_457);
        a = reopen(a, false);
        try (FormatAccess ro = a) {
            assertFalse(ro.isWritable());
            assertArrayEquals(data, read(ro, 123_457, data.length));
            assertThrows(IOException.class, () -> ro.write(Patterns.filled(512, 1), 0));
        }
    }

    @Test
    void writeZeroesAndDiscardToZeroReadAsZero() throws IOException {
        try (FormatAccess a = create(4 << 20)) {
            a.write(Patterns.filled(4 << 20, 0x5a), 0);
            a.writeZeroes(1000, 200_000);
            a.discardToZero(1 << 20, 1 << 20);
            a.discardToZero(3_000_001, 17);
            byte[] all = read(a, 0, 4 << 20);
            for (int i = 0; i < all.length; i++) {
                boolean zero = (i >= 1000 && i < 201_000) || (i >= 1 << 20 && i < 2 << 20)
                        || (i >= 3_000_001 && i < 3_000_018);
                if ((all[i] & 0xff) != (zero ? 0 : 0x5a)) {
                    fail("byte " + i + " is " + (all[i] & 0xff));
                }
            }
        }
    }

    @Test
    void parallelSubRequestsGiveTheSameBytes() throws IOException {
        Random rnd = new Random(11);
        byte[] data = Patterns.random(rnd, 2 << 20);
        try (FormatAccess a = create(4 << 20)) {
            a.setWriteParallelization(4);
            a.setReadParallelization(4);
            for (int off = 0; off < data.length; off += 3 * 65536) {
                a.write(ByteBuffer.wrap(data, off, Math.min(65536, data.length - off)), 1_000_000L + off);
            }
            a.write(ByteBuffer.wrap(data), 1_000_000);
            assertArrayEquals(data, read(a, 1_000_000, data.length));
        }
    }

    @Test
    void concurrentWritersSharingClustersLoseNothing() throws Exception {
        int threads = 8;
        int region = 3 * 65536 + 4608; // regions straddle cluster boundaries, so threads share clusters
        try (FormatAccess a = create((long) threads * region + 65536)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    fs.add(pool.submit(() -> {
                        for (int off = 0; off < region; off += 4608) {
                            int n = Math.min(4608, region - off);
                            a.write(Patterns.filled(n, id + 1), (long) id * region + off);
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
            FormatAccess b = reopen(a, false);
            try {
                for (int t = 0; t < threads; t++) {
                    assertArrayEquals(Patterns.filled(region, t + 1).array(), read(b, (long) t * region, region),
                            "region " + t);
                }
            } finally {
                b.close();
            }
        }
    }

    @Test
    void resizeGrowsWithZeroes() throws IOException {
        try (FormatAccess a = create(1 << 20)) {
            a.write(Patterns.filled(1 << 20, 0x44), 0);
            if (!canResize()) {
                assertThrows(org.strata.api.UnsupportedFeatureException.class,
                        () -> a.resizeGrow(3 << 20, org.strata.api.Preallocation.OFF));
                assertEquals(1 << 20, a.size());
                assertArrayEquals(Patterns.filled(1 << 20, 0x44).array(), read(a, 0, 1 << 20));
                return;
            }
            a.resizeGrow(3 << 20, org.strata.api.Preallocation.OFF);
            assertEquals(3 << 20, a.size());
            assertArrayEquals(Patterns.filled(1 << 20, 0x44).array(), read(a, 0, 1 << 20));
            assertArrayEquals(new byte[2 << 20], read(a, 1 << 20, 2 << 20));
        }
    }

    /** A format that can shrink cuts the image (growing again gives zeroes); one that cannot refuses, unchanged. */
    @Test
    void shrinkingCutsTheImageOrIsRefusedChangingNothing() throws IOException {
        try (FormatAccess a = create(1 << 20)) {
            a.write(Patterns.filled(1 << 20, 0x44), 0);
            if (canShrink()) {
                a.resizeShrink(512 * 1024);
                assertEquals(512 * 1024, a.size());
                a.resizeGrow(1 << 20, org.strata.api.Preallocation.OFF);
                assertArrayEquals(Patterns.filled(512 * 1024, 0x44).array(), read(a, 0, 512 * 1024));
                assertArrayEquals(new byte[512 * 1024], read(a, 512 * 1024, 512 * 1024));
            } else {
                IOException e = assertThrows(IOException.class, () -> a.resizeShrink(512 * 1024));
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank() && !e.getMessage().contains("\n"),
                        "no clear one-line message: " + e);
                assertEquals(1 << 20, a.size());
                assertArrayEquals(Patterns.filled(1 << 20, 0x44).array(), read(a, 0, 1 << 20));
            }
        }
    }

    /**
     * A long random sequence of writes, zeroes, discards, resizes, flushes and reopenings, checked against a
     * byte array after every step. The seed is in the failure message.
     */
    @Test
    void randomOperationsMatchAPlainModel() throws IOException {
        long seed = Long.getLong("strata.seed", System.nanoTime());
        Random rnd = new Random(seed);
        int maxSize = 6 << 20;
        int size = 4 << 20;
        byte[] model = new byte[maxSize];
        BitSet unknown = new BitSet(maxSize); // after discardToAny: anything goes
        FormatAccess a = create(size);
        String step = "";
        try {
            for (int i = 0; i < 400; i++) {
                int op = rnd.nextInt(100);
                int off = rnd.nextInt(size);
                int len = Math.min(size - off, 1 + (rnd.nextBoolean() ? rnd.nextInt(4096) : rnd.nextInt(300_000)));
                if (op < 45) {
                    byte[] data = Patterns.random(rnd, len);
                    step = "write " + off + "+" + len;
                    a.write(ByteBuffer.wrap(data), off);
                    System.arraycopy(data, 0, model, off, len);
                    unknown.clear(off, off + len);
                } else if (op < 55) {
                    step = "writeZeroes " + off + "+" + len;
                    a.writeZeroes(off, len);
                    java.util.Arrays.fill(model, off, off + len, (byte) 0);
                    unknown.clear(off, off + len);
                } else if (op < 63) {
                    step = "discardToZero " + off + "+" + len;
                    a.discardToZero(off, len);
                    java.util.Arrays.fill(model, off, off + len, (byte) 0);
                    unknown.clear(off, off + len);
                } else if (op < 68) {
                    step = "discardToAny " + off + "+" + len;
                    a.discardToAny(off, len);
                    unknown.set(off, off + len);
                } else if (op < 72) {
                    if (!canResize()) {
                        continue;
                    }
                    int newSize = 512 * (1 + rnd.nextInt(maxSize / 512 - 1)); // formats size in sectors
                    if (newSize < size && !canShrink()) {
                        continue;
                    }
                    step = "resize " + size + " -> " + newSize;
                    a.resize(newSize, org.strata.api.Preallocation.OFF);
                    if (newSize < size) {
                        java.util.Arrays.fill(model, newSize, size, (byte) 0);
                        unknown.clear(newSize, size);
                    } else {
                        java.util.Arrays.fill(model, size, newSize, (byte) 0);
                        unknown.clear(size, newSize);
                    }
                    size = newSize;
                } else if (op < 75) {
                    step = "flush";
                    a.flush();
                } else if (op < 78) {
                    step = "reopen";
                    a = reopen(a, true);
                } else if (op < 80) {
                    int p = 1 + rnd.nextInt(4);
                    a.setReadParallelization(p);
                    a.setWriteParallelization(p);
                    continue;
                } else {
                    step = "read " + off + "+" + len;
                    verify(a, model, unknown, off, len, seed, step);
                    continue;
                }
                assertEquals(size, a.size(), "size after " + step + " (seed " + seed + ")");
                int vo = Math.max(0, off - 4096);
                verify(a, model, unknown, vo, Math.min(size - vo, len + 8192), seed, "after " + step);
            }
            a = reopen(a, false);
            verify(a, model, unknown, 0, size, seed, "final read after reopening");
        } finally {
            a.close();
        }
    }

    private static void verify(FormatAccess a, byte[] model, BitSet unknown, int off, int len, long seed, String what)
            throws IOException {
        if (len <= 0) {
            return;
        }
        byte[] got = read(a, off, len);
        for (int i = 0; i < len; i++) {
            if (got[i] != model[off + i] && !unknown.get(off + i)) {
                fail("byte " + (off + i) + " is " + (got[i] & 0xff) + ", expected " + (model[off + i] & 0xff)
                        + " (" + what + ", seed " + seed + ")");
            }
        }
    }
}
