package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** QEMU's own NBD client (qemu-img, qemu-io) against the server. */
class QemuInteropTest {

    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;
    private NbdTestServer nbd;
    private Path disk;
    private byte[] original;

    @BeforeEach
    void start() throws IOException {
        nbd = new NbdTestServer();
        original = Patterns.random(new Random(42), SIZE);
        disk = dir.resolve("disk.raw");
        Files.write(disk, original);
        nbd.exportRaw("disk", disk, true);
        Files.write(dir.resolve("ro.raw"), original);
        nbd.exportRaw("ro", dir.resolve("ro.raw"), false);
    }

    @AfterEach
    void stop() throws IOException {
        nbd.close();
    }

    @Test
    void qemuImgInfoSeesTheExport() {
        String json = QemuTools.qemuImg("info", "--output=json", nbd.url("disk"));
        assertTrue(json.contains("\"virtual-size\": " + SIZE), json);
        assertTrue(json.contains("\"format\": \"raw\""), json);
    }

    @Test
    void qemuIoWritesPatternsAndReadsThemBack() throws IOException {
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0xab 0 64k", "-c", "write -P 0xcd 1000000 100000",
                "-c", "write -z 2M 64k", "-c", "write -P 0x11 -f 3M 4k", "-c", "flush", nbd.url("disk"));
        String out = QemuTools.qemuIo("-f", "raw", "-c", "read -P 0xab 0 64k", "-c", "read -P 0xcd 1000000 100000",
                "-c", "read -P 0 2M 64k", "-c", "read -P 0x11 3M 4k", nbd.url("disk"));
        assertTrue(out.contains("read 65536/65536 bytes"), out);
        byte[] file = Files.readAllBytes(disk);
        for (int i = 0; i < SIZE; i++) {
            int expected;
            if (i < 65536) {
                expected = 0xab;
            } else if (i >= 1_000_000 && i < 1_100_000) {
                expected = 0xcd;
            } else if (i >= 2 << 20 && i < (2 << 20) + 65536) {
                expected = 0;
            } else if (i >= 3 << 20 && i < (3 << 20) + 4096) {
                expected = 0x11;
            } else {
                expected = original[i] & 0xff;
            }
            if ((file[i] & 0xff) != expected) {
                throw new AssertionError("byte " + i + " is " + (file[i] & 0xff) + ", expected " + expected);
            }
        }
    }

    @Test
    void qemuImgComparesAndConvertsBothWays() throws IOException {
        Path expected = dir.resolve("expected.raw");
        Files.write(expected, original);
        QemuTools.qemuImg("compare", "-f", "raw", "-F", "raw", nbd.url("disk"), expected.toString());

        Path out = dir.resolve("out.raw");
        QemuTools.qemuImg("convert", "-f", "raw", "-O", "raw", nbd.url("disk"), out.toString());
        assertArrayEquals(original, Files.readAllBytes(out));

        Path target = TestImages.createRaw(dir.resolve("target.raw"), SIZE);
        nbd.exportRaw("target", target, true);
        byte[] source = Patterns.random(new Random(7), SIZE);
        java.util.Arrays.fill(source, 1 << 20, 2 << 20, (byte) 0); // a zero range for qemu-img to skip
        Path src = dir.resolve("src.raw");
        Files.write(src, source);
        QemuTools.qemuImg("convert", "-n", "-f", "raw", "-O", "raw", src.toString(), nbd.url("target"));
        QemuTools.qemuImg("compare", "-f", "raw", "-F", "raw", src.toString(), nbd.url("target"));
        assertArrayEquals(source, Files.readAllBytes(target));

        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x77 100 1", nbd.url("target"));
        QemuTools.Result diff = QemuTools.run("qemu-img", "compare", "-f", "raw", "-F", "raw", src.toString(),
                nbd.url("target"));
        assertEquals(1, diff.exitCode(), diff.stdout() + diff.stderr());
    }

    @Test
    void readOnlyExportRefusesWrites() throws IOException {
        // the export says it is read-only, so qemu-io cannot even open it for writing
        QemuTools.Result r = QemuTools.run("qemu-io", "-f", "raw", "-c", "write -P 0x33 0 4k", nbd.url("ro"));
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("Could not open image: Permission denied"), r.stderr());
        QemuTools.qemuIo("-r", "-f", "raw", "-c", "read -P " + (original[0] & 0xff) + " 0 1", nbd.url("ro"));
        assertArrayEquals(original, Files.readAllBytes(dir.resolve("ro.raw")));
    }

    @Test
    void unixSocketListener() throws IOException {
        Path socket = dir.resolve("nbd.sock");
        FormatAccess a = TestImages.openRaw(TestImages.createRaw(dir.resolve("u.raw"), SIZE), true);
        try (NbdServerCore server = new NbdServerCore()) {
            server.listen(List.of(ListenAddress.unix(socket), ListenAddress.tcp("127.0.0.1", 0)));
            assertEquals("unix:" + socket, server.listenAddresses().get(0));
            server.addExport("u", "", ImageHandle.of("u", a), true);
            String url = "nbd+unix:///u?socket=" + socket;
            assertTrue(QemuTools.qemuImg("info", url).contains("4 MiB"));
            QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x42 8k 8k", url);
            QemuTools.qemuIo("-f", "raw", "-c", "read -P 0x42 8k 8k", "-c", "read -P 0 0 8k", url);
        } finally {
            a.close();
        }
        assertTrue(Files.notExists(socket), "the socket file is removed on close");
    }

    @Test
    void sixteenConcurrentClientsWriteAndVerifyTheirRegions() throws Exception {
        int clients = 16;
        int region = SIZE / clients;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                results.add(pool.submit(() -> QemuTools.qemuIo("-f", "raw",
                        "-c", "aio_write -P " + (id + 1) + " " + (id * region) + " " + (region / 2),
                        "-c", "aio_write -P " + (id + 1) + " " + (id * region + region / 2) + " " + (region / 2),
                        "-c", "aio_flush",
                        "-c", "read -P " + (id + 1) + " " + (id * region) + " " + region, nbd.url("disk"))));
            }
            for (Future<String> f : results) {
                String out = f.get();
                assertTrue(out.contains("read " + region + "/" + region), out);
            }
        } finally {
            pool.shutdown();
        }
        byte[] file = Files.readAllBytes(disk);
        for (int i = 0; i < SIZE; i++) {
            assertEquals(i / region + 1, file[i], "byte " + i);
        }
    }

    @Test
    void qemuImgMapSeesHolesAndZeroes() throws IOException {
        int cl = SparseTestImage.CLUSTER;
        FormatAccess sparse = nbd.export("sparse", SparseTestImage.open(SIZE, null), true);
        sparse.write(Patterns.filled(2 * cl, 7), 2L * cl);
        String json = QemuTools.qemuImg("map", "--output=json", "-f", "raw", nbd.url("sparse"));
        String compact = json.replaceAll("\\s+", "");
        assertTrue(compact.contains("{\"start\":0,\"length\":131072,\"depth\":0,\"present\":true,\"zero\":true,"
                + "\"data\":false"), json);
        assertTrue(compact.contains("{\"start\":131072,\"length\":131072,\"depth\":0,\"present\":true,"
                + "\"zero\":false,\"data\":true"), json);
        assertTrue(compact.contains("{\"start\":262144,\"length\":3932160,\"depth\":0,\"present\":true,"
                + "\"zero\":true,\"data\":false"), json);
        // the holes read as zeroes through hole chunks
        QemuTools.qemuIo("-f", "raw", "-c", "read -P 0 0 128k", "-c", "read -P 7 128k 128k",
                "-c", "read -P 0 256k 1M", nbd.url("sparse"));
        ByteBuffer check = ByteBuffer.allocate(cl);
        sparse.read(check, 2L * cl);
        assertNotEquals(0, check.get(0));
    }
}
