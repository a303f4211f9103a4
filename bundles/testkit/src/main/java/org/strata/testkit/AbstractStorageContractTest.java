package org.strata.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.strata.api.BlockStatus;
import org.strata.api.Storage;

/**
 * What every storage backend must do, written once. A backend's test extends one of the two kinds, which add
 * what resizing must do: {@link AbstractResizableStorageContractTest} (a file grows and shrinks) or
 * {@link AbstractFixedSizeStorageContractTest} (a device or a remote export refuses cleanly), and says how to
 * make a fresh, zero-filled, writable storage object.
 */
public abstract class AbstractStorageContractTest {

    /** Only the two kinds extend this directly, so every backend's test says which kind it is. */
    AbstractStorageContractTest() {
    }

    /** A new writable storage object of {@code size} bytes that reads as zeroes. */
    protected abstract Storage create(long size) throws IOException;

    static byte[] read(Storage s, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        s.read(b, offset);
        assertEquals(length, b.position(), "read must fill the buffer");
        return b.array();
    }

    @Test
    void newStorageHasItsSizeAndReadsZero() throws IOException {
        try (Storage s = create(1 << 20)) {
            assertEquals(1 << 20, s.size());
            assertTrue(s.isWritable());
            assertArrayEquals(new byte[8192], read(s, 12345, 8192));
        }
    }

    @Test
    void writesReadBackWithHeapAndDirectBuffersAtAnyOffset() throws IOException {
        Random rnd = new Random(1);
        try (Storage s = create(1 << 20)) {
            byte[] a = Patterns.random(rnd, 10000);
            s.write(ByteBuffer.wrap(a), 4097);
            assertArrayEquals(a, read(s, 4097, a.length));

            byte[] b = Patterns.random(rnd, 65536);
            ByteBuffer direct = ByteBuffer.allocateDirect(b.length + 3);
            direct.position(3).put(b).position(3);
            s.write(direct, 65536);
            assertEquals(direct.limit(), direct.position(), "write consumes the buffer");
            ByteBuffer back = ByteBuffer.allocateDirect(b.length);
            s.read(back, 65536);
            byte[] got = new byte[b.length];
            back.flip().get(got);
            assertArrayEquals(b, got);
        }
    }

    @Test
    void readsPastTheEndAreZero() throws IOException {
        try (Storage s = create(4096)) {
            s.write(ByteBuffer.wrap(Patterns.filled(4096, 0x55).array()), 0);
            byte[] got = read(s, 2048, 8192);
            for (int i = 0; i < 2048; i++) {
                assertEquals(0x55, got[i] & 0xff);
            }
            for (int i = 2048; i < 8192; i++) {
                assertEquals(0, got[i]);
            }
        }
    }

    @Test
    void writeZeroesWithAndWithoutUnmapReadsZero() throws IOException {
        try (Storage s = create(1 << 20)) {
            s.write(Patterns.filled(1 << 20, 0xaa), 0);
            s.writeZeroes(4096, 65536, true);
            s.writeZeroes(100_000, 5000, false);
            s.writeZeroes(3, 10, true);
            byte[] all = read(s, 0, 1 << 20);
            for (int i = 0; i < all.length; i++) {
                boolean zero = (i >= 4096 && i < 4096 + 65536) || (i >= 100_000 && i < 105_000) || (i >= 3 && i < 13);
                assertEquals(zero ? 0 : 0xaa, all[i] & 0xff, "byte " + i);
            }
            assertEquals(1 << 20, s.size());
        }
    }

    @Test
    void discardKeepsTheSizeAndTheRest() throws IOException {
        try (Storage s = create(1 << 20)) {
            s.write(Patterns.filled(1 << 20, 0x11), 0);
            s.discard(65536, 65536);
            assertEquals(1 << 20, s.size());
            assertArrayEquals(Patterns.filled(65536, 0x11).array(), read(s, 0, 65536));
            assertArrayEquals(Patterns.filled(65536, 0x11).array(), read(s, 131072, 65536));
        }
    }

    @Test
    void blockStatusCoversTheRange() throws IOException {
        try (Storage s = create(1 << 20)) {
            s.write(Patterns.filled(4096, 1), 0);
            BlockStatus st = s.blockStatus(0, 1 << 20);
            assertTrue(st.length() > 0 && st.length() <= 1 << 20, st.toString());
            assertFalse(st.zero(), "data at 0 does not read as zeroes: " + st);
        }
    }

    @Test
    void concurrentWritersToDistinctRegionsAllLand() throws Exception {
        int threads = 8;
        int region = 64 * 1024 + 512;
        try (Storage s = create((long) threads * region)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    fs.add(pool.submit(() -> {
                        for (int off = 0; off < region; off += 4608) {
                            int n = Math.min(4608, region - off);
                            s.write(Patterns.filled(n, id + 1), (long) id * region + off);
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
            s.flush();
            s.sync();
            for (int t = 0; t < threads; t++) {
                assertArrayEquals(Patterns.filled(region, t + 1).array(), read(s, (long) t * region, region));
            }
        }
    }
}
