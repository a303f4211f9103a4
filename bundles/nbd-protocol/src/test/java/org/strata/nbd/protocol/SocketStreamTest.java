package org.strata.nbd.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Exact lengths over a real loopback socket, across the read-ahead buffer's edges. */
class SocketStreamTest {

    @Test
    void readsExactLengthsWhateverTheSegmentation() throws Exception {
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketStream writer = new SocketStream(SocketChannel.open(server.getLocalAddress()), "the reader");
             SocketStream reader = new SocketStream(server.accept(), "the writer")) {
            Thread t = new Thread(() -> {
                try {
                    // odd pieces, two buffers at once: every byte goes out in order
                    writer.write(ByteBuffer.wrap(data, 0, 3), ByteBuffer.wrap(data, 3, 100_000));
                    writer.write(ByteBuffer.wrap(data, 100_003, data.length - 100_003));
                    writer.close();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            ByteBuffer got = ByteBuffer.allocate(data.length);
            got.put(reader.read(28));                 // small: through the read-ahead
            reader.skip(1000);                        // dropped, in step
            got.position(got.position() + 1000);
            ByteBuffer large = got.slice(got.position(), 150_000);
            reader.readFully(large);                  // large: partly buffered, partly straight
            got.position(got.position() + 150_000);
            reader.readFully(got);
            t.join();
            byte[] expected = data.clone();
            java.util.Arrays.fill(expected, 28, 1028, (byte) 0);
            assertArrayEquals(expected, got.array());
            EOFException eof = assertThrows(EOFException.class, () -> reader.read(1));
            assertEquals("the writer closed the connection", eof.getMessage());
        }
    }

    @Test
    void handsOverWhatItReadAhead() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketStream writer = new SocketStream(SocketChannel.open(server.getLocalAddress()), "the reader");
             SocketStream reader = new SocketStream(server.accept(), "the writer")) {
            writer.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}));
            writer.close();
            assertEquals(1, reader.read(1).get());
            ByteBuffer rest = ByteBuffer.allocate(4);
            while (rest.hasRemaining()) {
                ByteBuffer taken = reader.takeReadAhead();
                rest.put(taken);
                if (rest.hasRemaining()) {
                    rest.put(reader.read(1)); // not all had arrived with the first read
                }
            }
            assertArrayEquals(new byte[] {2, 3, 4, 5}, rest.array());
            assertEquals(0, reader.takeReadAhead().remaining());
        }
    }
}
