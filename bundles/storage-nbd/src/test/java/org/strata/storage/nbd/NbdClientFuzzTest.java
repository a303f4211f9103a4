package org.strata.storage.nbd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.fuzz.LoggedFailures;
import org.strata.testkit.fuzz.ParserRules;

/**
 * Fuzzes what the NBD client reads from a server: the handshake (greeting, option replies, export info, meta
 * contexts) and the replies (simple, structured and extended: data, holes, block status, errors). A fake server
 * answers every connection with the input's bytes, whatever the client asks, then shuts its side; the client opens
 * the export and does what an image does with it (size, read, write, zeroes, discard, flush, block status, close),
 * under {@link ParserRules}. Its reply reader must not log a failure (it catches what escapes it).
 * Seeds: what qemu-nbd answered qemu's and libnbd's clients (scripts/fuzz-seeds.sh nbd), and every finding.
 */
class NbdClientFuzzTest {

    private static ServerSocket server;
    private static ExecutorService connections;
    private static LoggedFailures logged;
    private static volatile byte[] replies = new byte[0];

    @BeforeAll
    static void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-nbd-server");
            t.setDaemon(true);
            return t;
        });
        connections.execute(NbdClientFuzzTest::accept);
        logged = LoggedFailures.watch("org.strata.storage.nbd");
    }

    @AfterAll
    static void stop() throws IOException {
        logged.close();
        server.close();
        connections.shutdownNow();
    }

    private static void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                byte[] answer = replies;
                connections.execute(() -> answer(s, answer));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Sends the whole answer, shuts the sending side and reads until the client closes. */
    private static void answer(Socket s, byte[] answer) {
        try (s; OutputStream out = s.getOutputStream(); InputStream in = s.getInputStream()) {
            out.write(answer);
            s.shutdownOutput();
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the client hung up first
        }
    }

    @FuzzTest(maxDuration = "10s")
    void serverBytes(byte[] input) {
        replies = input;
        NbdStorageDriver driver = new NbdStorageDriver(Duration.ofSeconds(2), true);
        ParserRules.check(() -> {
            try (Storage s = driver.open("nbd://127.0.0.1:" + server.getLocalPort() + "/fuzz",
                    StorageOptions.READ_WRITE)) {
                long size = s.size();
                if (size < 64 << 10) {
                    return;
                }
                ParserRules.tolerate(() -> s.read(ByteBuffer.allocate(4096), 0));
                ParserRules.tolerate(() -> s.write(ByteBuffer.allocate(4096), 4096));
                ParserRules.tolerate(() -> s.writeZeroes(4096, 8192, false));
                ParserRules.tolerate(() -> s.discard(4096, 12288));
                ParserRules.tolerate(s::flush);
                ParserRules.tolerate(() -> s.blockStatus(0, 65536));
                ParserRules.tolerate(() -> s.read(ByteBuffer.allocate(65536), size - 65536));
            }
        });
        logged.assertNone();
    }
}
