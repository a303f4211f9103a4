package org.strata.storage.rbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.CephCluster;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** The rbd backend against a real cluster and QEMU's own rbd driver: data, locks, connections and errors. */
class RbdStorageTest {

    private static final StorageOptions FORCE_SHARE = new StorageOptions(true, true, CacheMode.WRITEBACK);

    private final CephCluster ceph = CephCluster.shared();
    private final RbdStorageDriver driver = new RbdStorageDriver(10);

    private String newImage(String prefix, String size) {
        String image = CephCluster.uniqueImage(prefix);
        ceph.rbd("create", CephCluster.POOL + "/" + image, "--size", size);
        return ceph.name(image);
    }

    @Test
    void whatStrataWritesQemuReadsAndTheOtherWayRound() throws IOException {
        String name = newImage("interop", "8M");
        try (Storage s = driver.open(name, StorageOptions.READ_WRITE)) {
            assertEquals(8 << 20, s.size());
            s.write(Patterns.filled(1 << 20, 0x5a), 3 << 20);
            s.writeZeroes((3 << 20) + 4096, 8192, true);
            s.flush();
        }
        QemuTools.qemuIo("-f", "raw", "-c", "read -P 0x5a 3M 4k", "-c", "read -P 0 3076k 8k",
                "-c", "read -P 0x5a 3084k 1012k", "-c", "read -P 0 0 3M", name);
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0xc3 5M 1M", name);
        try (Storage s = driver.open(name, StorageOptions.READ_ONLY)) {
            byte[] back = new byte[1 << 20];
            s.read(ByteBuffer.wrap(back), 5 << 20);
            assertArrayEquals(Patterns.filled(1 << 20, 0xc3).array(), back);
        }
    }

    @Test
    void manyRequestsAreInFlightAtOnceOnOneSharedConnection() throws Exception {
        String name = newImage("parallel", "16M");
        int threads = 16;
        try (Storage a = driver.open(name, StorageOptions.READ_WRITE);
             Storage b = driver.open(name, StorageOptions.READ_ONLY)) {
            assertEquals(1, driver.connections(), "images of one cluster and user share a connection");
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    done.add(pool.submit(() -> {
                        ByteBuffer data = ByteBuffer.allocateDirect(1 << 20);
                        data.put(Patterns.filled(1 << 20, id + 1)).flip();
                        a.write(data, (long) id << 20);
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            a.flush();
            for (int t = 0; t < threads; t++) {
                byte[] got = new byte[1 << 20];
                b.read(ByteBuffer.wrap(got), (long) t << 20);
                assertArrayEquals(Patterns.filled(1 << 20, t + 1).array(), got, "region " + t);
            }
        }
        assertEquals(0, driver.connections(), "the last image to close shuts the connection down");
    }

    /**
     * Reads and writes take the size this object knows (no librbd call per request): an image another client grows
     * still reads to its new end, and a direct buffer's data lands at its position, not at its start.
     */
    @Test
    void readsSeeWhatAnotherClientAppendedAndFillADirectBufferFromItsPosition() throws IOException {
        String name = newImage("grown", "1M");
        try (Storage s = driver.open(name, FORCE_SHARE)) {
            assertEquals(1 << 20, s.size());
            QemuTools.run("qemu-img", "resize", "-f", "raw", name, "2M").ok();
            QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x6b 1536k 4k", name);
            ByteBuffer buf = ByteBuffer.allocateDirect(8192).position(4096);
            s.read(buf, 1536 << 10);
            assertFalse(buf.hasRemaining());
            byte[] got = new byte[4096];
            buf.position(4096).get(got);
            assertArrayEquals(Patterns.filled(4096, 0x6b).array(), got);
            assertEquals(0, buf.get(0), "nothing before the buffer's position");

            buf.clear().position(512).limit(512 + 4096);
            buf.slice().put(Patterns.filled(4096, 0x3c));
            s.write(buf, 8192);
            s.flush();
        }
        QemuTools.qemuIo("-f", "raw", "-c", "read -P 0x3c 8k 4k", "-c", "read -P 0x6b 1536k 4k", name);
    }

    @Test
    void aSecondWriterIsRefusedUntilTheFirstLetsGo() throws IOException {
        String name = newImage("lock", "4M");
        RbdStorageDriver otherHost = new RbdStorageDriver(10); // its own connection: another client to Ceph
        Storage first = driver.open(name, StorageOptions.READ_WRITE);
        try {
            IOException e = assertThrows(IOException.class, () -> otherHost.open(name, StorageOptions.READ_WRITE));
            assertTrue(e.getMessage().contains("Failed to get \"write\" lock"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            try (Storage reader = otherHost.open(name, StorageOptions.READ_ONLY);
                 Storage shared = otherHost.open(name, FORCE_SHARE)) {
                first.write(Patterns.filled(4096, 9), 0);
                first.flush();
                byte[] got = new byte[4096];
                reader.read(ByteBuffer.wrap(got), 0);
                assertArrayEquals(Patterns.filled(4096, 9).array(), got, "a read-only open reads beside the writer");
                assertThrows(IOException.class, () -> shared.write(Patterns.filled(512, 1), 0),
                        "-U takes no lock, and the holder keeps it: the write is refused, not interleaved");
            }
            // QEMU's writer is kept out too
            QemuTools.Result qemu = QemuTools.run("qemu-io", "-f", "raw", "-c", "write 0 4k", name);
            assertTrue(qemu.exitCode() != 0 || qemu.stdout().contains("failed"), qemu.toString());
        } finally {
            first.close();
        }
        try (Storage second = otherHost.open(name, StorageOptions.READ_WRITE)) {
            second.write(Patterns.filled(4096, 7), 0);
        }
    }

    @Test
    void snapshotsOpenReadOnly() throws IOException {
        String name = newImage("snap", "4M");
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x33 0 64k", name);
        String image = name.substring("rbd:strata/".length(), name.indexOf(':', 4));
        ceph.rbd("snap", "create", CephCluster.POOL + "/" + image + "@s1");
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x44 0 64k", name);
        String snap = "rbd:" + CephCluster.POOL + "/" + image + "@s1:conf=" + ceph.conf();
        try (Storage s = driver.open(snap, StorageOptions.READ_ONLY)) {
            byte[] got = new byte[65536];
            s.read(ByteBuffer.wrap(got), 0);
            assertArrayEquals(Patterns.filled(65536, 0x33).array(), got);
        }
        IOException e = assertThrows(IOException.class, () -> driver.open(snap, StorageOptions.READ_WRITE));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    }

    @Test
    void createMakesANewImageAndRefusesAnExistingOne() throws IOException {
        String name = ceph.name(CephCluster.uniqueImage("create"));
        try (Storage s = driver.create(name, StorageOptions.READ_WRITE)) {
            assertEquals(0, s.size());
            s.resize(1 << 20, Preallocation.OFF);
            s.write(Patterns.filled(1024, 1), (1 << 20) - 512);
            assertEquals((1 << 20) + 512, s.size(), "a write past the end grows the image");
        }
        assertTrue(QemuTools.qemuImg("info", "--output=json", name).contains("\"virtual-size\": 1049088"));
        IOException e = assertThrows(IOException.class, () -> driver.create(name, StorageOptions.READ_WRITE));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    @Test
    void missingPoolsAndImagesAreOneLineErrors() {
        IOException pool = assertThrows(NoSuchFileException.class,
                () -> driver.open(ceph.name("nopool", "x"), StorageOptions.READ_ONLY));
        assertEquals("pool 'nopool' does not exist: No such file or directory", pool.getMessage());
        IOException image = assertThrows(NoSuchFileException.class,
                () -> driver.open(ceph.name("nosuch"), StorageOptions.READ_ONLY));
        assertEquals("image 'strata/nosuch' does not exist: No such file or directory", image.getMessage());
        assertEquals(0, driver.connections());
    }

    @Test
    void aUserWithoutTheCapabilityIsDeniedInOneLine() throws IOException {
        String name = newImage("perm", "4M");
        String asReader = name + ":id=" + CephCluster.READER + ":keyring=" + ceph.readerKeyring();
        try (Storage s = driver.open(asReader, StorageOptions.READ_ONLY)) {
            assertEquals(4 << 20, s.size(), "the reader may read");
        }
        IOException write = assertThrows(AccessDeniedException.class,
                () -> driver.open(asReader, StorageOptions.READ_WRITE));
        assertTrue(write.getMessage().contains("Operation not permitted"), write.getMessage());
        String stranger = name + ":id=nobody";
        IOException connect = assertThrows(AccessDeniedException.class,
                () -> driver.open(stranger, StorageOptions.READ_ONLY));
        assertTrue(connect.getMessage().contains("client.nobody") && connect.getMessage().contains("Permission denied"),
                connect.getMessage());
        assertEquals(0, driver.connections());
    }

    @Test
    void anUnreachableClusterFailsWithinTheTimeout(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("nowhere.conf");
        Files.writeString(conf, "[global]\nmon host = 127.0.0.1:9\nauth client required = none\n");
        RbdStorageDriver quick = new RbdStorageDriver(2);
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class,
                () -> quick.open("rbd:strata/x:conf=" + conf, StorageOptions.READ_ONLY));
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 10, "took " + seconds + " s");
        assertTrue(e.getMessage().startsWith("no Ceph monitor answered within 2 s"), e.getMessage());
        IOException noConf = assertThrows(IOException.class,
                () -> quick.open("rbd:strata/x:conf=" + dir.resolve("missing.conf"), StorageOptions.READ_ONLY));
        assertTrue(noConf.getMessage().startsWith("error reading conf file"), noConf.getMessage());
    }
}
