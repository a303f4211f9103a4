package org.strata.storage.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.BlockStatus;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.api.UnsupportedFeatureException;
import org.strata.core.agent.ImageHandle;
import org.strata.core.metrics.IoStats;
import org.strata.format.raw.RawFormatDriver;
import org.strata.nbd.server.ListenAddress;
import org.strata.nbd.server.NbdServerCore;
import org.strata.testkit.MemoryStorage;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;
import org.strata.testkit.StandaloneContext;
import org.strata.testkit.TestEngines;

/** The client against real servers: data written by QEMU, holes, read-only exports, errors, timeouts, reconnects. */
class NbdClientInteropTest {

    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    private final NbdStorageDriver driver = new NbdStorageDriver();

    private Path rawFile(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] readAll(Storage s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) s.size());
        s.read(b, 0);
        return b.array();
    }

    @Test
    void readsWhatQemuIoWroteByteForByte() throws IOException {
        Path file = rawFile("d.raw", Patterns.random(new Random(1), SIZE));
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x61 0 64k", "-c", "write -P 0x62 1000001 12345",
                "-c", "write -z 2M 100k", file.toString());
        byte[] expected = Files.readAllBytes(file);
        try (ServerProcess server = ServerProcess.qemuNbdUnix(file, "raw", dir.resolve("d.sock"), "-r");
                Storage s = driver.open(server.url, StorageOptions.READ_ONLY)) {
            assertEquals(SIZE, s.size());
            assertFalse(s.isWritable());
            assertArrayEquals(expected, readAll(s));
            ByteBuffer odd = ByteBuffer.allocateDirect(777);
            s.read(odd, 1000000);
            for (int i = 0; i < 777; i++) {
                assertEquals(expected[1000000 + i], odd.get(i), "byte " + (1000000 + i));
            }
        }
    }

    @Test
    void readsAQcow2ImageAsQemuSeesIt() throws IOException {
        Path qcow2 = dir.resolve("d.qcow2");
        QemuTools.qemuImg("create", "-f", "qcow2", qcow2.toString(), "4M");
        QemuTools.qemuIo("-f", "qcow2", "-c", "write -P 0x11 64k 64k", "-c", "write -P 0x22 3M 512",
                "-c", "write -z 1M 64k", qcow2.toString());
        Path flat = dir.resolve("flat.raw");
        QemuTools.qemuImg("convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), flat.toString());
        try (ServerProcess server = ServerProcess.qemuNbdTcp(qcow2, "qcow2", "-r");
                Storage s = driver.open(server.url, StorageOptions.READ_ONLY)) {
            assertArrayEquals(Files.readAllBytes(flat), readAll(s));
            BlockStatus data = s.blockStatus(64 << 10, SIZE);
            assertTrue(data.data() && !data.zero(), data.toString());
            assertEquals(64 << 10, data.length());
            BlockStatus hole = s.blockStatus(200_000, SIZE);
            assertTrue(!hole.data() && hole.zero(), hole.toString());
            assertEquals((3 << 20) - 200_000, hole.length(), "up to the data at 3M, zero cluster too");
            BlockStatus pastEnd = s.blockStatus(SIZE + 10, 100);
            assertTrue(pastEnd.zero());
        }
    }

    @Test
    void writesArriveForQemuToRead() throws IOException {
        Path file = rawFile("w.raw", new byte[SIZE]);
        byte[] data = Patterns.random(new Random(2), 300_001);
        try (ServerProcess server = ServerProcess.qemuNbdUnix(file, "raw", dir.resolve("w.sock"))) {
            try (Storage s = driver.open(server.url, StorageOptions.READ_WRITE)) {
                s.write(ByteBuffer.wrap(data), 99_999);
                s.write(Patterns.filled(65536, 0x5c), 2 << 20);
                s.writeZeroes(2 << 20, 4096, false);
                s.sync();
                assertThrows(IOException.class, () -> s.write(Patterns.filled(10, 1), SIZE - 5));
                assertThrows(UnsupportedFeatureException.class, () -> s.resize(SIZE * 2L,
                        org.strata.api.Preallocation.OFF));
            }
        }
        QemuTools.qemuIo("-f", "raw", "-c", "read -P 0 2M 4k", "-c", "read -P 0x5c 2101248 61440", file.toString());
        byte[] onDisk = Files.readAllBytes(file);
        assertArrayEquals(data, java.util.Arrays.copyOfRange(onDisk, 99_999, 99_999 + data.length));
    }

    @Test
    void readOnlyExportsAndUnknownExportsAreClearErrors() throws IOException {
        Path file = rawFile("r.raw", new byte[SIZE]);
        try (ServerProcess server = ServerProcess.qemuNbdTcp(file, "raw", "-r", "-x", "disk")) {
            String url = server.url + "disk";
            IOException ro = assertThrows(IOException.class, () -> driver.open(url, StorageOptions.READ_WRITE));
            assertTrue(ro.getMessage().contains("read-only"), ro.getMessage());
            try (Storage s = driver.open(url, StorageOptions.READ_ONLY)) {
                assertThrows(IOException.class, () -> s.write(Patterns.filled(1, 1), 0));
            }
            IOException unknown = assertThrows(IOException.class, () -> driver.open(server.url + "nope",
                    StorageOptions.READ_ONLY));
            assertTrue(unknown.getMessage().contains("'nope' not found"), unknown.getMessage());
        }
        int port = ServerProcess.freePort();
        IOException refused = assertThrows(IOException.class,
                () -> driver.open("nbd://127.0.0.1:" + port + "/x", StorageOptions.READ_ONLY));
        assertTrue(refused.getMessage().startsWith("nbd://127.0.0.1:" + port + "/x: cannot connect"),
                refused.getMessage());
        assertThrows(UnsupportedFeatureException.class, () -> driver.create("nbd://127.0.0.1/x",
                StorageOptions.READ_WRITE));
        assertThrows(UnsupportedFeatureException.class, () -> driver.open("nbds://127.0.0.1/x",
                StorageOptions.READ_ONLY));
    }

    @Test
    void aSilentServerTimesOutInsteadOfHanging() throws Exception {
        NbdStorageDriver impatient = new NbdStorageDriver(Duration.ofSeconds(1), true);
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    Thread.sleep(5000);
                } catch (Exception e) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class,
                    () -> impatient.open("nbd://127.0.0.1:" + silent.getLocalPort() + "/", StorageOptions.READ_ONLY));
            assertTrue(e.getMessage().contains("no answer to the handshake"), e.getMessage());
            assertTrue(System.nanoTime() - start < 4_000_000_000L);
        }
    }

    /** A handle whose image can be paused, for a server that stops answering requests. */
    static final class PausableHandle implements ImageHandle {
        final FormatAccess access;
        final IoStats stats = new IoStats(IoStats.Target.node("p"));
        volatile CountDownLatch gate;

        PausableHandle(FormatAccess access) {
            this.access = access;
        }

        @Override
        public String name() {
            return "p";
        }

        @Override
        public IoStats stats() {
            return stats;
        }

        @Override
        public <T> T call(IoFunction<T> op) throws IOException {
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await();
                } catch (InterruptedException e) {
                    throw new IOException("interrupted");
                }
            }
            return op.apply(access);
        }
    }

    @Test
    void aStuckRequestTimesOutAndTheNextOneReconnects() throws Exception {
        NbdStorageDriver impatient = new NbdStorageDriver(Duration.ofSeconds(1), true);
        FormatAccess image = TestEngines.of(new RawFormatDriver().open(new MemoryStorage("m", SIZE),
                new StandaloneContext("m", true)));
        image.write(Patterns.filled(4096, 0x42), 0);
        PausableHandle handle = new PausableHandle(image);
        try (NbdServerCore server = new NbdServerCore()) {
            server.listen(List.of(ListenAddress.tcp("127.0.0.1", 0)));
            server.addExport("p", "", handle, true);
            try (Storage s = impatient.open("nbd://" + server.listenAddresses().get(0) + "/p",
                    StorageOptions.READ_WRITE)) {
                handle.gate = new CountDownLatch(1);
                IOException e = assertThrows(IOException.class, () -> s.read(ByteBuffer.allocate(4096), 0));
                assertTrue(e.getMessage().contains("no reply to READ within 1 s"), e.getMessage());
                handle.gate.countDown();
                handle.gate = null;
                ByteBuffer b = ByteBuffer.allocate(4096);
                s.read(b, 0);
                assertArrayEquals(Patterns.filled(4096, 0x42).array(), b.array());
            }
        } finally {
            image.close();
        }
    }

    @Test
    void reconnectsWhenTheServerRestarts() throws IOException {
        Path file = rawFile("re.raw", Patterns.filled(SIZE, 0x33).array());
        Path socket = dir.resolve("re.sock");
        ServerProcess first = ServerProcess.qemuNbdUnix(file, "raw", socket);
        try (Storage s = driver.open(first.url, StorageOptions.READ_WRITE)) {
            s.write(Patterns.filled(4096, 0x44), 0);
            first.close();
            try (ServerProcess second = ServerProcess.qemuNbdUnix(file, "raw", socket)) {
                ByteBuffer b = ByteBuffer.allocate(8192);
                s.read(b, 0);
                assertEquals(0x44, b.get(0));
                assertEquals(0x33, b.get(4096));
            }
        } finally {
            first.close();
        }
    }

    @Test
    void removingTheExportOnTheServerEndsCleanly() throws IOException {
        FormatAccess image = TestEngines.of(new RawFormatDriver().open(new MemoryStorage("m", SIZE),
                new StandaloneContext("m", true)));
        try (NbdServerCore server = new NbdServerCore()) {
            server.listen(List.of(ListenAddress.tcp("127.0.0.1", 0)));
            server.addExport("gone", "", ImageHandle.of("gone", image), true);
            try (Storage s = driver.open("nbd://" + server.listenAddresses().get(0) + "/gone",
                    StorageOptions.READ_WRITE)) {
                s.write(Patterns.filled(512, 1), 0);
                assertTrue(server.removeExport("gone"));
                IOException e = assertThrows(IOException.class, () -> s.read(ByteBuffer.allocate(512), 0));
                assertTrue(e.getMessage().contains("'gone' not found"), e.getMessage());
            }
        } finally {
            image.close();
        }
    }

    @Test
    void largeRequestsAreSplitAndPipelined() throws IOException {
        Path file = dir.resolve("big.raw");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(80 << 20);
        }
        byte[] data = Patterns.random(new Random(4), 70 << 20);
        try (ServerProcess server = ServerProcess.nbdkitMemory(dir.resolve("big.sock"), 80 << 20);
                Storage s = driver.open(server.url, StorageOptions.READ_WRITE)) {
            s.write(ByteBuffer.wrap(data), 12345);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            s.read(back, 12345);
            assertArrayEquals(data, back.array());
            s.writeZeroes(0, 80 << 20, true);
            assertEquals(0, readAll(s)[50 << 20]);
        }
    }
}
