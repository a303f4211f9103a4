package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** Image locking that QEMU's tools and Strata honour alike. */
class LockingTest {

    private static final StorageOptions READ_ONLY_SHARED = new StorageOptions(false, true, CacheMode.WRITEBACK);

    @TempDir
    Path dir;
    private String raw;
    private String qcow2;
    private final FileStorageDriver driver = new FileStorageDriver();

    @BeforeEach
    void images() {
        raw = dir.resolve("x.img").toString();
        qcow2 = dir.resolve("x.qcow2").toString();
        QemuTools.qemuImg("create", "-f", "raw", raw, "1M");
        QemuTools.qemuImg("create", "-f", "qcow2", qcow2, "1M");
    }

    @Test
    void qemuIoHoldingTheImageRefusesAStrataWriter() throws Exception {
        try (QemuIoHolder q = QemuIoHolder.start("-f", "raw", raw)) {
            IOException e = assertThrows(IOException.class, () -> driver.open(raw, StorageOptions.READ_WRITE));
            assertEquals("Could not open '" + raw + "': Failed to get shared \"write\" lock: "
                    + "Is another process using the image [" + raw + "]?", e.getMessage());
            // -U takes no locks
            try (Storage s = driver.open(raw, READ_ONLY_SHARED)) {
                assertEquals(1 << 20, s.size());
            }
        }
        // released with qemu-io's exit
        driver.open(raw, StorageOptions.READ_WRITE).close();
    }

    @Test
    void strataReaderRefusesAQemuWriter() throws Exception {
        try (Storage s = driver.open(raw, StorageOptions.READ_ONLY)) {
            QemuTools.Result r = QemuTools.run("qemu-io", "-f", "raw", "-c", "write 0 512", raw);
            assertNotEquals(0, r.exitCode());
            assertTrue(r.stderr().contains("Failed to get \"write\" lock"), r.stderr());
            // reading alongside is fine
            QemuTools.qemuIo("-r", "-f", "raw", "-c", "read 0 512", raw);
        }
    }

    @Test
    void strataWriterMakesQemuImgInfoFailUnlessForceShared() throws Exception {
        try (Storage s = driver.open(qcow2, StorageOptions.READ_WRITE)) {
            QemuTools.Result r = QemuTools.run("qemu-img", "info", qcow2);
            assertNotEquals(0, r.exitCode(), r.stdout());
            assertTrue(r.stderr().contains("Failed to get shared \"write\" lock"), r.stderr());
            assertTrue(r.stderr().contains("Is another process using the image [" + qcow2 + "]?"), r.stderr());
            String info = QemuTools.qemuImg("info", "-U", qcow2);
            assertTrue(info.contains("file format: qcow2"), info);
            QemuTools.Result w = QemuTools.run("qemu-io", "-f", "raw", "-c", "write 0 512", qcow2);
            assertNotEquals(0, w.exitCode());
        }
        // released on close
        assertTrue(QemuTools.qemuImg("info", qcow2).contains("file format: qcow2"));
    }

    @Test
    void qemuImgInfoOfARawImageSharesWritesAsAgainstAQemuWriter() throws Exception {
        // raw has no metadata, so QEMU's raw reader lets others write: same answer as with a QEMU writer
        try (QemuIoHolder q = QemuIoHolder.start("-f", "raw", raw)) {
            QemuTools.qemuImg("info", raw);
        }
        try (Storage s = driver.open(raw, StorageOptions.READ_WRITE)) {
            QemuTools.qemuImg("info", raw);
            QemuTools.Result io = QemuTools.run("qemu-io", "-r", "-f", "raw", "-c", "read 0 512", raw);
            assertEquals(0, io.exitCode(), io.stderr());
        }
    }

    @Test
    void qemuWriterOnQcow2RefusesStrataReaderButNotForceShare() throws Exception {
        try (QemuIoHolder q = QemuIoHolder.start(qcow2)) {
            IOException e = assertThrows(IOException.class, () -> driver.open(qcow2, StorageOptions.READ_ONLY));
            assertTrue(e.getMessage().contains("Failed to get shared \"write\" lock"), e.getMessage());
            assertThrows(IOException.class, () -> driver.open(qcow2, StorageOptions.READ_WRITE));
            assertThrows(IOException.class, () -> driver.create(qcow2, StorageOptions.READ_WRITE));
            try (Storage s = driver.open(qcow2, READ_ONLY_SHARED)) {
                assertTrue(s.size() > 0);
            }
        }
        // a refused create never truncated the image
        assertTrue(QemuTools.qemuImg("info", qcow2).contains("file format: qcow2"));
    }

    @Test
    void secondStrataWriterInTheSameProcessIsRefused() throws IOException {
        try (Storage first = driver.open(raw, StorageOptions.READ_WRITE)) {
            IOException e = assertThrows(IOException.class, () -> driver.open(raw, StorageOptions.READ_WRITE));
            assertTrue(e.getMessage().endsWith("Is another process using the image [" + raw + "]?"), e.getMessage());
            assertThrows(IOException.class, () -> driver.open(raw, StorageOptions.READ_ONLY));
            first.write(Patterns.filled(512, 1), 0);
        }
        try (Storage again = driver.open(raw, StorageOptions.READ_WRITE)) {
            assertTrue(again.isWritable());
        }
    }

    @Test
    void readersShareAndExcludeWriters() throws IOException {
        try (Storage a = driver.open(raw, StorageOptions.READ_ONLY);
             Storage b = driver.open(raw, StorageOptions.READ_ONLY)) {
            IOException e = assertThrows(IOException.class, () -> driver.open(raw, StorageOptions.READ_WRITE));
            assertTrue(e.getMessage().contains("Failed to get \"write\" lock"), e.getMessage());
            a.read(ByteBuffer.allocate(10), 0);
            b.read(ByteBuffer.allocate(10), 0);
        }
    }

    @Test
    void forceShareWriterTakesNoLocks() throws Exception {
        try (Storage s = driver.open(raw, new StorageOptions(true, true, CacheMode.WRITEBACK))) {
            s.write(Patterns.filled(512, 3), 0);
            QemuTools.qemuIo("-f", "raw", "-c", "read -P 3 0 512", raw);
            driver.open(raw, StorageOptions.READ_WRITE).close();
        }
    }

    @Test
    void locksTheBytesQemuUses() throws IOException {
        try (Storage s = driver.open(raw, StorageOptions.READ_WRITE)) {
            assertEquals(java.util.Set.of(100L, 101L, 103L, 201L, 203L), lockedBytes(raw));
        }
        try (Storage s = driver.open(raw, StorageOptions.READ_ONLY)) {
            assertEquals(java.util.Set.of(100L, 201L), lockedBytes(raw));
        }
        try (Storage s = driver.open(raw, READ_ONLY_SHARED)) {
            assertEquals(java.util.Set.of(), lockedBytes(raw));
        }
    }

    /** The bytes of the file under an OFD lock, from /proc/locks (adjacent locks show as one range). */
    private static java.util.Set<Long> lockedBytes(String file) throws IOException {
        String ino = ":" + Files.getAttribute(Path.of(file), "unix:ino") + " ";
        java.util.Set<Long> bytes = new java.util.TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            int at = line.indexOf(ino);
            if (line.contains("OFDLCK") && at > 0) {
                String[] range = line.substring(at + ino.length()).trim().split("\\s+");
                for (long b = Long.parseLong(range[0]); b <= Long.parseLong(range[1]); b++) {
                    bytes.add(b);
                }
            }
        }
        return bytes;
    }
}
