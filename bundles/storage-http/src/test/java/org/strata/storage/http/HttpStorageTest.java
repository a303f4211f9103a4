package org.strata.storage.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.api.UnsupportedFeatureException;
import org.strata.testkit.QemuTools;

/** Reading images from a real nginx. */
class HttpStorageTest {

    private static final int SIZE = 3 * (1 << 20) + 12_345;
    private static final HttpSettings FAST = HttpSettings.DEFAULT.withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));

    private static NginxServer nginx;
    private static byte[] content;

    @BeforeAll
    static void startNginx() throws Exception {
        nginx = NginxServer.start();
        content = new byte[SIZE];
        new Random(42).nextBytes(content);
        nginx.publish("disk.raw", content);
        nginx.publish("norange/disk.raw", content);
    }

    @AfterAll
    static void stopNginx() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
    }

    private static Storage open(String url) throws IOException {
        return new HttpStorageDriver(FAST).open(url, StorageOptions.READ_ONLY);
    }

    private static byte[] read(Storage s, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        s.read(b, offset);
        assertEquals(length, b.position());
        return b.array();
    }

    private static byte[] expected(long offset, int length) {
        byte[] e = new byte[length];
        if (offset < SIZE) {
            System.arraycopy(content, (int) offset, e, 0, (int) Math.min(length, SIZE - offset));
        }
        return e;
    }

    @Test
    void sizeAndBytesMatchTheServedFile() throws IOException {
        try (Storage s = open(nginx.url("disk.raw"))) {
            assertEquals(SIZE, s.size());
            assertFalse(s.isWritable());
            assertEquals("http", s.driverName());
            assertEquals(nginx.url("disk.raw"), s.location());
            assertArrayEquals(content, read(s, 0, SIZE));
            Random rnd = new Random(1);
            for (int i = 0; i < 100; i++) {
                long off = rnd.nextInt(SIZE);
                int len = 1 + rnd.nextInt(i % 10 == 0 ? 800_000 : 5000);
                assertArrayEquals(expected(off, len), read(s, off, len), "read " + off + "+" + len);
            }
            ByteBuffer direct = ByteBuffer.allocateDirect(70_000);
            s.read(direct, 1_000_001);
            byte[] got = new byte[70_000];
            direct.flip().get(got);
            assertArrayEquals(expected(1_000_001, 70_000), got);
        }
        // qemu-img agrees on the size (QEMU 7.2 counts whole 512-byte sectors)
        String info = QemuTools.qemuImg("info", "-f", "raw", nginx.url("disk.raw"));
        assertTrue(info.contains("(" + (SIZE + 511) / 512 * 512 + " bytes)"), info);
    }

    @Test
    void readsPastTheEndAreZero() throws IOException {
        try (Storage s = open(nginx.url("disk.raw"))) {
            assertArrayEquals(expected(SIZE - 100, 5000), read(s, SIZE - 100, 5000));
            assertArrayEquals(new byte[4096], read(s, SIZE + 10, 4096));
            assertEquals(new BlockStatus(100, true, false), s.blockStatus(SIZE - 100, 4096));
            assertEquals(new BlockStatus(4096, false, true), s.blockStatus(SIZE, 4096));
        }
    }

    @Test
    void concurrentReadersGetTheirBytes() throws Exception {
        try (Storage s = open(nginx.url("disk.raw"))) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int seed = t;
                    fs.add(pool.submit(() -> {
                        Random rnd = new Random(seed);
                        for (int i = 0; i < 40; i++) {
                            long off = rnd.nextInt(SIZE);
                            int len = 1 + rnd.nextInt(300_000);
                            assertArrayEquals(expected(off, len), read(s, off, len));
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
        }
    }

    @Test
    void smallReadsAreServedFromTheReadAheadOverFewKeptAliveConnections() throws Exception {
        HttpSettings small = FAST.withBlocks(64 * 1024, 4);
        try (HttpStorage s = (HttpStorage) new HttpStorageDriver(small).open(nginx.url("disk.raw"),
                StorageOptions.READ_ONLY)) {
            nginx.clearAccessLog();
            for (int i = 0; i < 64; i++) {
                assertArrayEquals(expected(i * 1000L, 1000), read(s, i * 1000L, 1000));
            }
            List<String> log = nginx.accessLog();
            assertEquals(1, log.size(), "64 small reads inside one block: " + log);
            assertTrue(log.get(0).endsWith("GET 206"), log.toString());

            assertArrayEquals(content, read(s, 0, SIZE));
            assertTrue(s.cachedBlocks() <= 4, "cache holds " + s.cachedBlocks());
            log = nginx.accessLog();
            long connections = log.stream().map(l -> l.split(" ")[0]).distinct().count();
            assertTrue(log.size() >= SIZE / (64 * 1024), log.size() + " requests");
            assertTrue(connections <= 4, connections + " connections for " + log.size() + " requests");
        }
    }

    @Test
    void writesAreRefused() throws IOException {
        HttpStorageDriver driver = new HttpStorageDriver(FAST);
        try (Storage s = driver.open(nginx.url("disk.raw"), StorageOptions.READ_ONLY)) {
            String expected = "Could not write to '" + nginx.url("disk.raw") + "': the http backend is read-only";
            assertEquals(expected, assertThrows(UnsupportedFeatureException.class,
                    () -> s.write(ByteBuffer.allocate(1), 0)).getMessage());
            assertThrows(UnsupportedFeatureException.class, () -> s.writeZeroes(0, 1, true));
            assertThrows(UnsupportedFeatureException.class, () -> s.discard(0, 1));
            assertThrows(UnsupportedFeatureException.class, () -> s.resize(1, Preallocation.OFF));
            s.flush();
        }
        assertThrows(UnsupportedFeatureException.class,
                () -> driver.open(nginx.url("disk.raw"), StorageOptions.READ_WRITE));
        assertThrows(UnsupportedFeatureException.class,
                () -> driver.create(nginx.url("new.raw"), StorageOptions.READ_WRITE));
    }

    @Test
    void missingFileIsA404() {
        String url = nginx.url("nothere.raw");
        IOException e = assertThrows(IOException.class, () -> open(url));
        assertEquals("Could not open '" + url + "': HTTP error 404 (Not Found)", e.getMessage());
    }

    @Test
    void serverWithoutRangesIsRefused() {
        String url = nginx.url("norange/disk.raw");
        IOException e = assertThrows(IOException.class, () -> open(url));
        assertEquals("Could not open '" + url + "': Server does not support 'range' (byte ranges)", e.getMessage());
    }

    @Test
    void httpsWithTheServersCertificate() throws Exception {
        HttpSettings tls = FAST.withSslContext(nginx.trustingContext());
        try (Storage s = new HttpStorageDriver(tls).open(nginx.httpsUrl("disk.raw"), StorageOptions.READ_ONLY)) {
            assertEquals(SIZE, s.size());
            assertArrayEquals(expected(123_456, 700_000), read(s, 123_456, 700_000));
        }
        // an unknown certificate is refused by default
        IOException e = assertThrows(IOException.class, () -> open(nginx.httpsUrl("disk.raw")));
        assertTrue(e.getMessage().startsWith("Could not open '" + nginx.httpsUrl("disk.raw") + "': TLS failure"),
                e.getMessage());
    }

    @Test
    void acceptsHttpAndHttpsUrlsOnly() {
        HttpStorageDriver d = new HttpStorageDriver();
        assertTrue(d.accepts("http://host/x.qcow2"));
        assertTrue(d.accepts("HTTPS://host/x.qcow2"));
        assertFalse(d.accepts("/var/lib/x.qcow2"));
        assertFalse(d.accepts("nbd://host/x"));
        assertEquals("http", d.name());
    }

    @Test
    void badUrls() {
        assertTrue(assertThrows(IOException.class, () -> open("http:///nohost")).getMessage()
                .contains("names no host"));
        assertTrue(assertThrows(IOException.class, () -> open("http://a b/")).getMessage()
                .startsWith("Could not open 'http://a b/': invalid URL"));
        assertThrows(UnsupportedFeatureException.class, () -> open("http://user:pw@127.0.0.1/x"));
    }

    @Test
    void closedStorageRefusesReads() throws IOException {
        Storage s = open(nginx.url("disk.raw"));
        s.close();
        IOException e = assertThrows(IOException.class, () -> read(s, 0, 10));
        assertTrue(e.getMessage().endsWith("the image is closed"), e.getMessage());
    }
}
