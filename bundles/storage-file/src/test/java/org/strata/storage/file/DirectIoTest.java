package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.engine.AlignedStorage;
import org.strata.testkit.OpenFlags;
import org.strata.testkit.Patterns;

/**
 * {@code -t none}: the file is really opened with O_DIRECT, and unaligned requests still work behind the aligning
 * wrapper the agent puts in front of it.
 */
class DirectIoTest {

    private static final StorageOptions DIRECT_RW = new StorageOptions(true, false, CacheMode.NONE);

    @TempDir
    Path dir;

    /** A direct file as the agent opens it: behind the engine's aligning wrapper. */
    private static Storage create(Path file) throws IOException {
        return AlignedStorage.forAnyRequest(new FileStorageDriver().create(file.toString(), DIRECT_RW));
    }

    private static byte[] read(Storage s, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        s.read(b, offset);
        return b.array();
    }

    private static boolean openWithODirect(Path file) throws IOException {
        return OpenFlags.someHas(file, OpenFlags.O_DIRECT);
    }

    @Test
    void opensWithODirectAndReportsTheAlignment() throws IOException {
        Path file = dir.resolve("a.raw");
        try (Storage s = new FileStorageDriver().create(file.toString(), DIRECT_RW)) {
            assertTrue(openWithODirect(file), "no O_DIRECT descriptor for " + file);
            assertTrue(s.reqAlign() >= 512 && Integer.bitCount(s.reqAlign()) == 1, "align " + s.reqAlign());
            assertEquals(s.reqAlign(), s.memAlign());
        }
        try (Storage s = new FileStorageDriver().open(file.toString(), StorageOptions.READ_WRITE)) {
            assertTrue(!openWithODirect(file), "O_DIRECT without -t none");
            assertEquals(1, s.reqAlign());
        }
    }

    @Test
    void unalignedReadsAndWritesWithHeapAndDirectBuffers() throws IOException {
        Path file = dir.resolve("b.raw");
        Random rnd = new Random(7);
        byte[] expected = new byte[300_000];
        try (Storage s = create(file)) {
            s.resize(expected.length, Preallocation.OFF);
            for (int i = 0; i < 200; i++) {
                int off = rnd.nextInt(expected.length - 10_000);
                int len = 1 + rnd.nextInt(9_999);
                byte[] data = Patterns.random(rnd, len);
                ByteBuffer src;
                if (i % 2 == 0) {
                    src = ByteBuffer.wrap(data);
                } else {
                    src = ByteBuffer.allocateDirect(len + 3).position(3);
                    src.put(data).position(3);
                }
                s.write(src, off);
                System.arraycopy(data, 0, expected, off, len);
                int roff = rnd.nextInt(expected.length - 10_000);
                int rlen = 1 + rnd.nextInt(9_999);
                byte[] want = new byte[rlen];
                System.arraycopy(expected, roff, want, 0, rlen);
                assertArrayEquals(want, read(s, roff, rlen), "read " + roff + "+" + rlen);
            }
            s.sync();
            assertArrayEquals(expected, read(s, 0, expected.length));
        }
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void readsOfAnUnalignedTailAndPastTheEndAreZeroFilled() throws IOException {
        Path file = dir.resolve("c.raw");
        byte[] content = Patterns.random(new Random(3), 5000);
        Files.write(file, content);
        try (Storage s = AlignedStorage.forAnyRequest(
                new FileStorageDriver().open(file.toString(), DIRECT_RW.withWritable(false)))) {
            assertEquals(5000, s.size());
            byte[] got = read(s, 4000, 10_000);
            for (int i = 0; i < 1000; i++) {
                assertEquals(content[4000 + i], got[i]);
            }
            assertArrayEquals(new byte[9000], java.util.Arrays.copyOfRange(got, 1000, 10_000));
        }
    }

    /** (Resizing with O_DIRECT is the storage contract's, in {@link DirectFileContractTest}.) */
    @Test
    void unalignedWriteZeroesAndDiscard() throws IOException {
        Path file = dir.resolve("d.raw");
        try (Storage s = create(file)) {
            s.write(Patterns.filled(100_000, 0x77), 0);
            s.writeZeroes(1001, 50_000, true);
            s.writeZeroes(60_001, 3, false);
            s.discard(70_001, 10_000);
            byte[] got = read(s, 0, 100_000);
            for (int i = 0; i < got.length; i++) {
                boolean zero = (i >= 1001 && i < 51_001) || (i >= 60_001 && i < 60_004);
                boolean discarded = i >= 70_001 && i < 80_001;
                if (!discarded) {
                    assertEquals(zero ? 0 : 0x77, got[i] & 0xff, "byte " + i);
                }
            }
        }
    }
}
