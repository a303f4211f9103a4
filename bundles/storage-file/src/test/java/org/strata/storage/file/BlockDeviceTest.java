package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.engine.AlignedStorage;
import org.strata.testkit.LoopDevices;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** Host block devices, on real loop devices over sparse files. */
class BlockDeviceTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    private final LoopDevices loops = new LoopDevices();
    private final FileStorageDriver driver = new FileStorageDriver();

    @AfterEach
    void detach() {
        loops.detachAll();
    }

    private static byte[] read(Storage s, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        s.read(b, offset);
        return b.array();
    }

    /** Bytes the backing file occupies, from stat(1). */
    private static long allocated(Path file) {
        return Long.parseLong(QemuTools.run("stat", "-c", "%b", file.toString()).ok().trim()) * 512;
    }

    @Test
    void sizeComesFromTheDeviceAndIsFixed() throws IOException {
        String dev = loops.attach(dir.resolve("a"), 3 * MIB);
        try (Storage s = driver.open(dev, StorageOptions.READ_WRITE)) {
            assertEquals(3 * MIB, s.size());
            assertEquals("file", s.driverName());
            assertTrue(s.fixedSize());
            s.resize(3 * MIB, Preallocation.OFF);
            IOException e = assertThrows(IOException.class, () -> s.resize(4 * MIB, Preallocation.OFF));
            assertEquals("Could not resize '" + dev + "': a host block device has a fixed size (3145728 bytes)",
                    e.getMessage());
            assertThrows(IOException.class, () -> s.resize(MIB, Preallocation.OFF));
            assertEquals(0, s.allocatedSize());
        }
        try (Storage file = driver.create(dir.resolve("regular").toString(), StorageOptions.READ_WRITE)) {
            assertFalse(file.fixedSize());
        }
    }

    @Test
    void writeZeroesAndDiscardReachTheBackingFile() throws IOException {
        Path backing = dir.resolve("b");
        String dev = loops.attach(backing, 4 * MIB);
        try (Storage s = driver.open(dev, StorageOptions.READ_WRITE)) {
            s.write(Patterns.filled(4 * MIB, 0x5a), 0);
            s.sync();
            long full = allocated(backing);
            assertTrue(full >= 4 * MIB, "backing allocated " + full);

            s.writeZeroes(MIB + 100, MIB, true);   // unaligned edges are written, the middle unmapped
            s.writeZeroes(3 * MIB, 4096, false);    // BLKZEROOUT
            byte[] all = read(s, 0, 4 * MIB);
            for (int i = 0; i < all.length; i++) {
                boolean zero = (i >= MIB + 100 && i < 2 * MIB + 100) || (i >= 3 * MIB && i < 3 * MIB + 4096);
                assertEquals(zero ? 0 : 0x5a, all[i] & 0xff, "byte " + i);
            }
            long afterZero = allocated(backing);
            assertTrue(afterZero <= full - MIB + 8192, "unmapped zeroes freed nothing: " + afterZero);

            s.discard(2 * MIB + 512, MIB - 512);
            s.sync();
            assertTrue(allocated(backing) < afterZero, "discard freed nothing: " + allocated(backing));
            assertArrayEquals(Patterns.filled(412, 0x5a).array(), read(s, 2 * MIB + 100, 412));

            IOException e = assertThrows(IOException.class, () -> s.writeZeroes(4 * MIB - 512, 1024, false));
            assertTrue(e.getMessage().contains("past the end of the device"), e.getMessage());
        }
        // what Strata wrote is what qemu-io reads
        QemuTools.qemuIo("-f", "raw", "-c", "read -P 0x5a 0 " + MIB, "-c", "read -P 0 " + (MIB + 100) + " " + MIB,
                dev);
    }

    @Test
    void directIoOnADevice() throws IOException {
        String dev = loops.attach(dir.resolve("c"), MIB);
        // as the agent opens it: behind the engine's aligning wrapper
        Storage direct = driver.open(dev, new StorageOptions(true, false, CacheMode.NONE));
        try (Storage s = AlignedStorage.forAnyRequest(direct)) {
            assertTrue(s.reqAlign() >= 512, "align " + s.reqAlign());
            s.write(ByteBuffer.wrap(Patterns.filled(1000, 0x42).array()), 777);
            assertArrayEquals(Patterns.filled(1000, 0x42).array(), read(s, 777, 1000));
            s.writeZeroes(800, 100, true);
            assertArrayEquals(new byte[100], read(s, 800, 100));
            assertEquals(0x42, read(s, 799, 1)[0]);
            assertEquals(0x42, read(s, 900, 1)[0]);
            s.sync();
        }
    }

    @Test
    void lockingWorksOnDevicesToo() throws IOException {
        String dev = loops.attach(dir.resolve("d"), MIB);
        try (Storage s = driver.open(dev, StorageOptions.READ_WRITE)) {
            IOException e = assertThrows(IOException.class, () -> driver.open(dev, StorageOptions.READ_ONLY));
            assertTrue(e.getMessage().contains("Is another process using the image [" + dev + "]?"), e.getMessage());
            QemuTools.Result r = QemuTools.run("qemu-io", "-f", "raw", "-c", "read 0 512", dev);
            assertTrue(r.exitCode() != 0 && r.stderr().contains("lock"), r.stderr());
        }
    }

    @Test
    void createOnADeviceKeepsItsContent() throws IOException {
        String dev = loops.attach(dir.resolve("e"), MIB);
        try (Storage s = driver.open(dev, StorageOptions.READ_WRITE)) {
            s.write(Patterns.filled(512, 9), 0);
        }
        try (Storage s = driver.create(dev, StorageOptions.READ_WRITE)) {
            assertEquals(MIB, s.size());
            assertEquals(9, read(s, 0, 1)[0]);
        }
    }
}
