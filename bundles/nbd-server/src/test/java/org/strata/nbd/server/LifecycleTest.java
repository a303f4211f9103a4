package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;
import org.strata.core.metrics.IoStats;
import org.strata.nbd.ExportInfo;
import org.strata.nbd.protocol.Nbd;
import org.strata.testkit.Patterns;

/** Exports coming and going, paused images, and clients that misbehave by doing nothing. */
class LifecycleTest {

    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    /** A handle whose image can be paused like the agent's while a driver is replaced, and slowed down. */
    static final class TestHandle implements ImageHandle {
        final FormatAccess access;
        final IoStats stats = new IoStats(IoStats.Target.node("test"));
        volatile CountDownLatch paused;
        volatile long delayMillis;

        TestHandle(FormatAccess access) {
            this.access = access;
        }

        @Override
        public String name() {
            return "test";
        }

        @Override
        public IoStats stats() {
            return stats;
        }

        @Override
        public <T> T call(IoFunction<T> op) throws IOException {
            try {
                CountDownLatch p = paused;
                if (p != null) {
                    p.await();
                }
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            return op.apply(access);
        }
    }

    private static RawClient connect(int port, String export) throws IOException {
        RawClient c = new RawClient(port);
        c.handshake();
        c.negotiateStructured();
        c.go(export);
        return c;
    }

    @Test
    void removingAnExportFinishesRequestsInFlightThenCloses() throws Exception {
        Path file = TestImages.createRaw(dir.resolve("d.raw"), SIZE);
        try (FormatAccess a = TestImages.openRaw(file, true); NbdTestServer nbd = new NbdTestServer()) {
            TestHandle handle = new TestHandle(a);
            nbd.server.addExport("d", "", handle, true);
            try (RawClient c = connect(nbd.port, "d")) {
                handle.delayMillis = 300;
                for (int i = 0; i < 5; i++) {
                    c.request(0, Nbd.CMD_WRITE, i, i * 4096L, 4096, Patterns.filled(4096, i + 1).array());
                }
                Thread.sleep(100); // the writes are in flight
                CompletableFuture<Boolean> removed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return nbd.server.removeExport("d");
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                Thread.sleep(100);
                c.request(0, Nbd.CMD_READ, 99, 0, 4096, null);
                List<Integer> writeErrors = new ArrayList<>();
                int shutdownError = -1;
                for (int i = 0; i < 6; i++) {
                    RawClient.Reply r = c.read(0);
                    if (r.cookie() == 99) {
                        shutdownError = r.errorCode();
                    } else {
                        writeErrors.add(r.errorCode());
                    }
                }
                assertEquals(List.of(0, 0, 0, 0, 0), writeErrors, "requests in flight finish");
                assertEquals(Nbd.ESHUTDOWN, shutdownError, "requests after the removal began");
                assertTrue(removed.get(10, TimeUnit.SECONDS));
                assertTrue(c.closedByServer());
            }
            assertTrue(nbd.server.exports().isEmpty());
            assertFalse(nbd.server.removeExport("d"));
            byte[] onDisk = Files.readAllBytes(file);
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(Patterns.filled(4096, i + 1).array(),
                        java.util.Arrays.copyOfRange(onDisk, i * 4096, (i + 1) * 4096));
            }
            try (RawClient c = new RawClient(nbd.port)) {
                c.handshake();
                assertEquals(Nbd.REP_ERR_UNKNOWN, c.option(Nbd.OPT_GO, RawClient.goData("d")).get(0).type());
            }
        }
    }

    @Test
    void aPausedImageMakesRequestsWaitInsteadOfFailing() throws Exception {
        try (FormatAccess a = TestImages.openRaw(TestImages.createRaw(dir.resolve("p.raw"), SIZE), true);
                NbdTestServer nbd = new NbdTestServer()) {
            TestHandle handle = new TestHandle(a);
            nbd.server.addExport("p", "", handle, true);
            try (RawClient c = connect(nbd.port, "p")) {
                handle.paused = new CountDownLatch(1);
                c.request(0, Nbd.CMD_WRITE, 1, 0, 512, Patterns.filled(512, 5).array());
                c.socket.setSoTimeout(500);
                assertThrows(SocketTimeoutException.class, () -> c.read(0), "no reply while paused");
                handle.paused.countDown();
                c.socket.setSoTimeout(10_000);
                RawClient.Reply r = c.read(0);
                assertEquals(1, r.cookie());
                assertEquals(0, r.errorCode());
            }
        }
    }

    @Test
    void exportsReportTheirConnectionsAndAdditionsAreChecked() throws Exception {
        Path file = TestImages.createRaw(dir.resolve("e.raw"), SIZE);
        try (FormatAccess rw = TestImages.openRaw(file, true); FormatAccess ro = TestImages.openRaw(
                TestImages.createRaw(dir.resolve("ro.raw"), SIZE), false);
                NbdTestServer nbd = new NbdTestServer()) {
            nbd.server.addExport("e", "an export", ImageHandle.of("e", rw), true);
            assertThrows(IllegalArgumentException.class,
                    () -> nbd.server.addExport("e", "", ImageHandle.of("e", rw), true));
            assertThrows(IOException.class, () -> nbd.server.addExport("ro", "", ImageHandle.of("ro", ro), true));
            assertThrows(IllegalArgumentException.class,
                    () -> nbd.server.addExport("x".repeat(5000), "", ImageHandle.of("x", rw), false));
            try (RawClient c1 = connect(nbd.port, "e"); RawClient c2 = connect(nbd.port, "e")) {
                assertEquals(List.of(new ExportInfo("e", "an export", true, SIZE, 2)), nbd.server.exports());
            }
            long deadline = System.currentTimeMillis() + 5000;
            while (nbd.server.exports().get(0).connections() != 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, nbd.server.exports().get(0).connections());
        }
    }

    @Test
    void silentClientsAndTooManyClientsAreDisconnected() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULTS.withHandshakeTimeout(Duration.ofSeconds(1)).withMaxConnections(2);
        try (NbdTestServer nbd = new NbdTestServer(limits)) {
            try (RawClient silent = new RawClient(nbd.port); RawClient second = new RawClient(nbd.port)) {
                silent.in.readNBytes(18);
                second.in.readNBytes(18);
                try (RawClient third = new RawClient(nbd.port)) {
                    assertTrue(third.closedByServer(), "beyond the connection limit");
                }
                long start = System.nanoTime();
                assertTrue(silent.closedByServer(), "handshake timeout");
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
            }
        }
    }

    @Test
    void aClientThatStopsReadingIsCutOffAlone() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULTS.withStalledWriteTimeout(Duration.ofSeconds(1));
        Path file = TestImages.createRaw(dir.resolve("s.raw"), 64 << 20);
        try (FormatAccess a = TestImages.openRaw(file, false); NbdTestServer nbd = new NbdTestServer(limits)) {
            nbd.server.addExport("s", "", ImageHandle.of("s", a), false);
            try (RawClient stuck = connect(nbd.port, "s"); RawClient good = connect(nbd.port, "s")) {
                for (int i = 0; i < 8; i++) {
                    stuck.request(Nbd.CMD_FLAG_DF, Nbd.CMD_READ, i, 0, 32 << 20, null);
                }
                long deadline = System.currentTimeMillis() + 10_000;
                while (nbd.server.exports().get(0).connections() > 1 && System.currentTimeMillis() < deadline) {
                    good.request(0, Nbd.CMD_READ, 1, 0, 4096, null);
                    assertEquals(0, good.readAll(0).get(0).errorCode());
                    Thread.sleep(100);
                }
                assertEquals(1, nbd.server.exports().get(0).connections(), "the stuck client was disconnected");
            }
        }
    }

    /** Whether an NBD server greets on the port (another process on the machine may reuse a freed port). */
    private static boolean servesNbd(int port) {
        try (RawClient c = new RawClient(port)) {
            c.socket.setSoTimeout(1000);
            return c.in.readLong() == Nbd.NBDMAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void closingTheServerClosesConnectionsAndListeners() throws Exception {
        Path file = TestImages.createRaw(dir.resolve("c.raw"), SIZE);
        try (FormatAccess a = TestImages.openRaw(file, true)) {
            NbdTestServer nbd = new NbdTestServer();
            nbd.server.addExport("c", "", ImageHandle.of("c", a), true);
            try (RawClient c = connect(nbd.port, "c")) {
                c.request(0, Nbd.CMD_WRITE, 1, 0, 4, new byte[] {1, 2, 3, 4});
                assertEquals(0, c.read(0).errorCode());
                nbd.server.close();
                assertTrue(c.closedByServer());
            }
            assertTrue(nbd.server.listenAddresses().isEmpty());
            assertTrue(nbd.server.exports().isEmpty());
            assertFalse(servesNbd(nbd.port), "the listener is closed");
            assertArrayEquals(new byte[] {1, 2, 3, 4}, java.util.Arrays.copyOf(Files.readAllBytes(file), 4));
        }
    }
}
