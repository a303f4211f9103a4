package org.strata.nbd.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.strata.testkit.fuzz.LoggedFailures;
import org.strata.testkit.fuzz.ParserRules;

/**
 * Fuzzes what the NBD server reads from a client: the handshake (flags, options and their data: export names,
 * info requests, meta contexts, structured replies, extended headers, STARTTLS without TLS), then requests
 * (headers, payloads, flags, block status with its contexts) on a writable 1 MiB export. Each input is one
 * connection: its bytes are sent, the sending side is shut, and the server's replies are read until it closes the
 * connection, under {@link ParserRules}; the server must not log a failure (it catches what a connection throws).
 * Seeds: what qemu-img, qemu-io, nbdinfo and nbdsh sent to qemu-nbd (scripts/fuzz-seeds.sh nbd), and every finding.
 */
class NbdServerFuzzTest {

    /** Replies are read and dropped, up to this much per input (a read request asks for at most 32 MiB). */
    private static final long MAX_REPLY_BYTES = 256L << 20;

    private static Path dir;
    private static NbdTestServer server;
    private static LoggedFailures logged;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("nbd-fuzz");
        server = new NbdTestServer();
        server.exportRaw("fuzz", TestImages.createRaw(dir.resolve("fuzz.raw"), 1 << 20), true);
        logged = LoggedFailures.watch("org.strata.nbd");
    }

    @AfterAll
    static void stop() throws IOException {
        logged.close();
        server.close();
        Files.deleteIfExists(dir.resolve("fuzz.raw"));
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "10s")
    void clientBytes(byte[] input) {
        ParserRules.check(() -> {
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port))) {
                ByteBuffer out = ByteBuffer.wrap(input);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ch.shutdownOutput();
                ByteBuffer in = ByteBuffer.allocate(64 << 10);
                long total = 0;
                while (ch.read(in.clear()) >= 0 && total < MAX_REPLY_BYTES) {
                    total += in.position();
                }
            }
        });
        logged.assertNone();
    }
}
