package org.strata.storage.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;

/** Servers that refuse, stay silent, stall or send too much: a clear error in bounded time, never a hang. */
class HttpFailureTest {

    private static final HttpSettings SHORT = HttpSettings.DEFAULT.withTimeouts(Duration.ofSeconds(1),
            Duration.ofSeconds(1));

    private static Storage open(String url) throws IOException {
        return new HttpStorageDriver(SHORT).open(url, StorageOptions.READ_ONLY);
    }

    @Test
    void connectionRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/x.raw";
        IOException e = assertThrows(IOException.class, () -> open(url));
        assertEquals("Could not open '" + url + "': Connection refused", e.getMessage());
    }

    @Test
    void silentServerTimesOut() throws Exception {
        try (MisbehavingServer server = new MisbehavingServer(MisbehavingServer.Mode.SILENT)) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> open(server.url()));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "took too long");
        }
    }

    @Test
    void stallingBodyTimesOut() throws Exception {
        try (MisbehavingServer server = new MisbehavingServer(MisbehavingServer.Mode.STALL_BODY);
             Storage s = open(server.url())) {
            assertEquals(MisbehavingServer.SIZE, s.size());
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class, () -> s.read(ByteBuffer.allocate(1000), 5000));
            assertTrue(e.getMessage().startsWith("Could not read '" + server.url() + "' at offset 5000: "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "took too long");
        }
    }

    @Test
    void oversizedBodyIsCutOff() throws Exception {
        try (MisbehavingServer server = new MisbehavingServer(MisbehavingServer.Mode.OVERSIZED_BODY);
             Storage s = open(server.url())) {
            IOException e = assertThrows(IOException.class, () -> s.read(ByteBuffer.allocate(1000), 0));
            assertTrue(e.getMessage().contains("more than"), e.getMessage());
        }
    }
}
