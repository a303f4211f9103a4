package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.strata.api.BlockStatus;
import org.strata.api.Buffers;
import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.api.PreparedWrite;
import org.strata.api.Storage;
import org.strata.format.raw.RawFormatDriver;
import org.strata.testkit.MemoryStorage;
import org.strata.testkit.Patterns;
import org.strata.testkit.StandaloneContext;
import org.strata.testkit.TestEngines;

/** Convert reads only what the source's block status says is data: holes are never read. */
class ConvertTest {

    /** A memory storage that knows its holes (4 KiB blocks never written) and counts the bytes read from it. */
    static final class HoleyStorage implements Storage {
        private static final int BLOCK = 4096;
        private final MemoryStorage data;
        private final BitSet written = new BitSet();
        final AtomicLong bytesRead = new AtomicLong();
        /** Offsets written, in the order the writes came. */
        final List<Long> writeOffsets = new CopyOnWriteArrayList<>();
        /** Reads take a random 0 to 4 ms, so parallel workers finish them in no particular order. */
        volatile boolean slowReads;
        /** A write at this offset fails (none when negative). */
        volatile long failWriteAt = -1;

        HoleyStorage(long size) {
            data = new MemoryStorage("holey", size);
        }

        @Override
        public String location() {
            return "holey";
        }

        @Override
        public String driverName() {
            return "memory";
        }

        @Override
        public long size() throws IOException {
            return data.size();
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void read(ByteBuffer dst, long offset) throws IOException {
            bytesRead.addAndGet(dst.remaining());
            if (slowReads) {
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            data.read(dst, offset);
        }

        @Override
        public synchronized void write(ByteBuffer src, long offset) throws IOException {
            if (offset == failWriteAt) {
                throw new IOException("the disk is on fire");
            }
            writeOffsets.add(offset);
            written.set((int) (offset / BLOCK), (int) ((offset + src.remaining() + BLOCK - 1) / BLOCK));
            data.write(src, offset);
        }

        @Override
        public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
            data.writeZeroes(offset, length, mayUnmap);
        }

        @Override
        public void discard(long offset, long length) throws IOException {
            data.discard(offset, length);
        }

        @Override
        public void flush() throws IOException {
            data.flush();
        }

        @Override
        public void sync() throws IOException {
            data.sync();
        }

        @Override
        public void resize(long newSize, Preallocation prealloc) throws IOException {
            data.resize(newSize, prealloc);
        }

        @Override
        public synchronized BlockStatus blockStatus(long offset, long maxLength) {
            int block = (int) (offset / BLOCK);
            boolean isData = written.get(block);
            int next = isData ? written.nextClearBit(block) : written.nextSetBit(block);
            long end = next < 0 ? offset + maxLength : Math.min(offset + maxLength, (long) next * BLOCK);
            return new BlockStatus(end - offset, isData, !isData);
        }

        @Override
        public void close() {
            data.close();
        }
    }

    private static FormatAccess raw(Storage storage) throws IOException {
        return TestEngines.of(new RawFormatDriver().open(storage, new StandaloneContext("holey", true)));
    }

    @Test
    void onlyTheSourcesDataIsRead() throws Exception {
        HoleyStorage source = new HoleyStorage(64L << 20);
        byte[] first = Patterns.random(new java.util.Random(1), 65536);
        byte[] second = Patterns.random(new java.util.Random(2), 4096);
        source.write(ByteBuffer.wrap(first), 1 << 20);
        source.write(ByteBuffer.wrap(second), 40L << 20);
        MemoryStorage target = new MemoryStorage("target", 64L << 20);
        try (FormatAccess src = raw(source); FormatAccess dst = raw(target)) {
            new Convert(List.of(src), dst, new Convert.Settings(4096, false, true, 4, false, false)).run(JobControl.NONE);
        }
        assertEquals(first.length + second.length, source.bytesRead.get());
        byte[] out = target.toByteArray();
        assertArrayEquals(first, java.util.Arrays.copyOfRange(out, 1 << 20, (1 << 20) + first.length));
        assertArrayEquals(second, java.util.Arrays.copyOfRange(out, 40 << 20, (40 << 20) + second.length));
        for (int i = 0; i < out.length; i++) {
            if (i == 1 << 20) {
                i += first.length;
            } else if (i == 40 << 20) {
                i += second.length;
            }
            if (i < out.length && out[i] != 0) {
                throw new AssertionError("non-zero byte at " + i);
            }
        }
    }

    /** Sources joined end to end: each one's data follows the previous one's, and their holes are not read either. */
    @Test
    void severalSourcesFollowEachOtherAndOnlyTheirDataIsRead() throws Exception {
        HoleyStorage one = new HoleyStorage((3L << 20) + 4096);
        HoleyStorage two = new HoleyStorage(2L << 20);
        byte[] tail = Patterns.random(new java.util.Random(3), 8192);
        byte[] head = Patterns.random(new java.util.Random(4), 4096);
        one.write(ByteBuffer.wrap(tail), (3L << 20) + 4096 - tail.length);
        two.write(ByteBuffer.wrap(head), 0);
        MemoryStorage target = new MemoryStorage("target", (5L << 20) + 4096);
        try (FormatAccess a = raw(one); FormatAccess b = raw(two); FormatAccess dst = raw(target)) {
            new Convert(List.of(a, b), dst, new Convert.Settings(4096, false, true, 4, false, false)).run(JobControl.NONE);
        }
        assertEquals(tail.length, one.bytesRead.get());
        assertEquals(head.length, two.bytesRead.get());
        byte[] out = target.toByteArray();
        int joint = (3 << 20) + 4096;
        assertArrayEquals(tail, java.util.Arrays.copyOfRange(out, joint - tail.length, joint));
        assertArrayEquals(head, java.util.Arrays.copyOfRange(out, joint, joint + head.length));
        assertTrue(Buffers.isZero(ByteBuffer.wrap(out, 0, joint - tail.length)));
        int after = joint + head.length;
        assertTrue(Buffers.isZero(ByteBuffer.wrap(out, after, out.length - after)));
    }

    @Test
    void progressCoversTheWholeImage() throws Exception {
        HoleyStorage source = new HoleyStorage(8L << 20);
        source.write(ByteBuffer.wrap(new byte[] {1}), 5);
        AtomicLong total = new AtomicLong();
        AtomicLong done = new AtomicLong();
        try (FormatAccess src = raw(source); FormatAccess dst = raw(new MemoryStorage("t", 8L << 20))) {
            new Convert(List.of(src), dst, new Convert.Settings(4096, false, true, 2, false, false)).run(new JobControl() {
                @Override
                public void total(long amount) {
                    total.set(amount);
                }

                @Override
                public void advance(long amount) {
                    done.addAndGet(amount);
                }

                @Override
                public void checkCancelled() {
                }
            });
        }
        assertEquals(8L << 20, total.get());
        assertEquals(8L << 20, done.get());
        assertTrue(source.bytesRead.get() <= 4096, "read " + source.bytesRead.get());
    }

    /** A source of 64 data runs of 64 KiB, each followed by a hole: 64 chunks to copy. */
    private static HoleyStorage scattered() throws IOException {
        HoleyStorage source = new HoleyStorage(16L << 20);
        for (int i = 0; i < 64; i++) {
            source.write(ByteBuffer.wrap(Patterns.random(new java.util.Random(i), 65536)), i * (256L << 10));
        }
        source.slowReads = true;
        return source;
    }

    @Test
    void workersReadInParallelButWriteInGuestOrder() throws Exception {
        HoleyStorage target = new HoleyStorage(16L << 20);
        try (FormatAccess src = raw(scattered()); FormatAccess dst = raw(target)) {
            new Convert(List.of(src), dst, new Convert.Settings(4096, false, true, 8, false, false)).run(JobControl.NONE);
        }
        assertEquals(64, target.writeOffsets.size());
        for (int i = 1; i < 64; i++) {
            assertTrue(target.writeOffsets.get(i - 1) < target.writeOffsets.get(i), target.writeOffsets.toString());
        }
    }

    /**
     * A target whose compression takes a while and tells how many ran at once, and whose placement of compressed
     * clusters (prepared or in one call) only records where they went, in that order.
     */
    private static FormatAccess slowCompressing(FormatAccess target, AtomicInteger mostAtOnce, List<Long> placed) {
        AtomicInteger atOnce = new AtomicInteger();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("writeCompressed")) {
                placed.add((Long) args[1]);
                return null;
            }
            if (!method.getName().equals("compress")) {
                try {
                    return method.invoke(target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            Thread.sleep(20);
            atOnce.decrementAndGet();
            long offset = (Long) args[1];
            return (PreparedWrite) () -> placed.add(offset);
        };
        return (FormatAccess) Proxy.newProxyInstance(FormatAccess.class.getClassLoader(),
                new Class<?>[] {FormatAccess.class}, handler);
    }

    @Test
    void workersCompressInParallelButPlaceClustersInGuestOrder() throws Exception {
        AtomicInteger mostAtOnce = new AtomicInteger();
        List<Long> placed = new CopyOnWriteArrayList<>();
        HoleyStorage source = new HoleyStorage(4L << 20);
        source.write(ByteBuffer.wrap(Patterns.random(new java.util.Random(3), 1 << 20)), 0);
        try (FormatAccess src = raw(source); FormatAccess target = raw(new MemoryStorage("t", 4L << 20))) {
            FormatAccess dst = slowCompressing(target, mostAtOnce, placed);
            new Convert(List.of(src), dst, new Convert.Settings(4096, true, true, 4, false, false)).run(JobControl.NONE);
        }
        assertEquals(16, placed.size()); // 1 MiB of data in 64 KiB clusters
        for (int i = 1; i < 16; i++) {
            assertTrue(placed.get(i - 1) < placed.get(i), placed.toString());
        }
        assertTrue(mostAtOnce.get() > 1, "compressions at once: " + mostAtOnce.get());
    }

    @Test
    void aFailedWriteStopsEveryWorkerAndIsWhatTheCallerSees() {
        HoleyStorage target = new HoleyStorage(16L << 20);
        target.failWriteAt = 10 * (256L << 10);
        for (boolean outOfOrder : new boolean[] {false, true}) {
            IOException e = assertThrows(IOException.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> {
                        try (FormatAccess src = raw(scattered()); FormatAccess dst = raw(target)) {
                            new Convert(List.of(src), dst, new Convert.Settings(4096, false, true, 8, outOfOrder, false))
                                    .run(JobControl.NONE);
                        }
                    }));
            assertEquals("the disk is on fire", e.getMessage());
        }
    }
}
