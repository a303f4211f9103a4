package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** Holes, allocation status and preallocation on a real (ext4) file. */
class SparseFileTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Storage create(String name) throws IOException {
        return new FileStorageDriver().create(dir.resolve(name).toString(), StorageOptions.READ_WRITE);
    }

    private static byte[] read(Storage s, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        s.read(b, offset);
        return b.array();
    }

    @Test
    void writeZeroesWithUnmapPunchesAHoleThatSeekHoleSees() throws IOException {
        try (Storage s = create("punch.raw")) {
            s.write(Patterns.filled(2 * MIB, 0xaa), 0);
            s.sync();
            long before = s.allocatedSize();
            assertTrue(before >= 2 * MIB, "allocated " + before);

            s.writeZeroes(512 * 1024, MIB, true);

            assertEquals(2 * MIB, s.size());
            assertTrue(s.allocatedSize() <= before - MIB, "allocated " + s.allocatedSize() + " was " + before);
            assertEquals(new BlockStatus(512 * 1024, true, false), s.blockStatus(0, 2 * MIB));
            assertEquals(new BlockStatus(MIB, false, true), s.blockStatus(512 * 1024, 2 * MIB));
            assertEquals(new BlockStatus(512 * 1024, true, false), s.blockStatus(1536 * 1024, 2 * MIB));
            assertArrayEquals(new byte[MIB], read(s, 512 * 1024, MIB));
            assertArrayEquals(Patterns.filled(4096, 0xaa).array(), read(s, 512 * 1024 - 4096, 4096));
        }
        // qemu-img sees the same hole
        String map = QemuTools.qemuImg("map", "--output=json", "-f", "raw", dir.resolve("punch.raw").toString());
        assertTrue(map.contains("\"start\": 524288, \"length\": 1048576, \"depth\": 0, \"present\": true, "
                + "\"zero\": true, \"data\": false"), map);
    }

    @Test
    void discardPunchesAHoleAndKeepsTheSize() throws IOException {
        try (Storage s = create("discard.raw")) {
            s.write(Patterns.filled(MIB, 0x11), 0);
            s.sync();
            long before = s.allocatedSize();
            s.discard(256 * 1024, 512 * 1024);
            assertEquals(MIB, s.size());
            assertTrue(s.allocatedSize() <= before - 512 * 1024, "allocated " + s.allocatedSize());
            assertEquals(new BlockStatus(512 * 1024, false, true), s.blockStatus(256 * 1024, MIB));
            // past the end, a discard does nothing (and does not grow the file)
            s.discard(MIB - 4096, 1 << 24);
            assertEquals(MIB, s.size());
        }
    }

    @Test
    void writeZeroesWithoutUnmapKeepsTheSpaceAllocated() throws IOException {
        try (Storage s = create("zero.raw")) {
            s.write(Patterns.filled(MIB, 0x33), 0);
            s.sync();
            long before = s.allocatedSize();
            s.writeZeroes(0, MIB, false);
            assertArrayEquals(new byte[MIB], read(s, 0, MIB));
            assertTrue(s.allocatedSize() >= before, "allocated " + s.allocatedSize() + " was " + before);
        }
    }

    @Test
    void writeZeroesPastTheEndGrowsTheFile() throws IOException {
        try (Storage s = create("grow.raw")) {
            s.write(Patterns.filled(4096, 1), 0);
            s.writeZeroes(8192, 65536, true);
            assertEquals(8192 + 65536, s.size());
            s.writeZeroes(MIB, 4096, false);
            assertEquals(MIB + 4096, s.size());
            assertArrayEquals(new byte[4096], read(s, MIB, 4096));
            // a range inside the file never shrinks it
            s.writeZeroes(0, 100, true);
            assertEquals(MIB + 4096, s.size());
        }
    }

    @Test
    void blockStatusOfASparseFileAlternatesDataAndHoles() throws IOException {
        try (Storage s = create("status.raw")) {
            s.resize(4 * MIB, Preallocation.OFF);
            s.write(Patterns.filled(MIB, 5), MIB);
            s.write(Patterns.filled(4096, 6), 3 * MIB);
            assertEquals(new BlockStatus(MIB, false, true), s.blockStatus(0, 4 * MIB));
            assertEquals(new BlockStatus(MIB, true, false), s.blockStatus(MIB, 4 * MIB));
            assertEquals(new BlockStatus(4096, true, false), s.blockStatus(MIB + 4096, 4096));
            assertEquals(new BlockStatus(MIB, false, true), s.blockStatus(2 * MIB, 4 * MIB));
            assertEquals(new BlockStatus(4096, true, false), s.blockStatus(3 * MIB, 4 * MIB));
            BlockStatus tail = s.blockStatus(3 * MIB + 4096, 4 * MIB);
            assertTrue(tail.zero() && !tail.data() && tail.length() >= MIB - 4096, tail.toString());
            assertEquals(new BlockStatus(100, false, true), s.blockStatus(8 * MIB, 100));
        }
    }

    @Test
    void preallocationOffLeavesTheGrownRangeUnallocated() throws IOException {
        try (Storage s = create("off.raw")) {
            s.resize(4 * MIB, Preallocation.OFF);
            assertEquals(4 * MIB, s.size());
            assertTrue(s.allocatedSize() < MIB, "allocated " + s.allocatedSize());
        }
    }

    @Test
    void preallocationFallocReservesSpace() throws IOException {
        try (Storage s = create("falloc.raw")) {
            s.write(Patterns.filled(1000, 9), 0);
            s.resize(4 * MIB + 1000, Preallocation.FALLOC);
            assertEquals(4 * MIB + 1000, s.size());
            assertTrue(s.allocatedSize() >= 4 * MIB, "allocated " + s.allocatedSize());
            assertArrayEquals(new byte[MIB], read(s, 2 * MIB, MIB));
            assertArrayEquals(Patterns.filled(1000, 9).array(), read(s, 0, 1000));
        }
    }

    @Test
    void preallocationFullWritesZeroes() throws IOException {
        try (Storage s = create("full.raw")) {
            s.write(Patterns.filled(1000, 9), 0);
            s.resize(4 * MIB + 1000, Preallocation.FULL);
            s.sync();
            assertEquals(4 * MIB + 1000, s.size());
            assertTrue(s.allocatedSize() >= 4 * MIB, "allocated " + s.allocatedSize());
            assertEquals(new BlockStatus(4 * MIB + 1000, true, false), s.blockStatus(0, 8 * MIB));
            assertArrayEquals(new byte[MIB], read(s, 2 * MIB, MIB));
        }
    }

    @Test
    void allocatedSizeIsQemuImgsActualSize() throws IOException {
        Path file = dir.resolve("actual.raw");
        long allocated;
        try (Storage s = create("actual.raw")) {
            s.resize(8 * MIB, Preallocation.OFF);
            s.write(Patterns.filled(3 * MIB, 7), MIB);
            s.sync();
            allocated = s.allocatedSize();
        }
        String info = QemuTools.qemuImg("info", "--output=json", "-f", "raw", file.toString());
        assertTrue(info.contains("\"actual-size\": " + allocated + ","), allocated + " vs " + info);
    }

    @Test
    void shrinkingDropsTheTail() throws IOException {
        try (Storage s = create("shrink.raw")) {
            s.write(Patterns.filled(MIB, 4), 0);
            s.resize(4096, Preallocation.OFF);
            assertEquals(4096, s.size());
            s.resize(8192, Preallocation.FALLOC);
            assertArrayEquals(new byte[4096], read(s, 4096, 4096));
            assertFalse(s.blockStatus(0, 4096).zero());
        }
    }
}
