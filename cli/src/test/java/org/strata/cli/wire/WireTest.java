package org.strata.cli.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

import org.junit.jupiter.api.Test;

class WireTest {

    /** A ByteChannel over an in-memory byte sequence (reads) and a byte sink (writes). */
    private static ByteChannel channel(byte[] input, ByteArrayOutputStream sink) {
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(input));
        WritableByteChannel out = Channels.newChannel(sink);
        return new ByteChannel() {
            public int read(ByteBuffer dst) throws java.io.IOException {
                return in.read(dst);
            }

            public int write(ByteBuffer src) throws java.io.IOException {
                return out.write(src);
            }

            public boolean isOpen() {
                return true;
            }

            public void close() {
            }
        };
    }

    @Test
    void requestRoundTrip() throws Exception {
        Request r = new Request(Request.EXEC, "/home/x", true, false, List.of("a", "/b c"),
                List.of("image:info", "", "a b", "é", "{", "-o"));
        Request back = Request.decode(r.encode());
        assertEquals(Request.EXEC, back.kind);
        assertEquals("/home/x", back.cwd);
        assertTrue(back.tty);
        assertEquals(false, back.debug);
        assertEquals(r.allowRoots, back.allowRoots);
        assertEquals(r.argv, back.argv);
    }

    @Test
    void framesRoundTrip() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        FrameChannel writer = new FrameChannel(channel(new byte[0], sink));
        writer.write(Frame.STDOUT, new byte[] {1, 2, 3});
        writer.write(Frame.STDERR, new byte[0]);
        writer.writeExit(-2);
        FrameChannel reader = new FrameChannel(channel(sink.toByteArray(), new ByteArrayOutputStream()));
        Frame a = reader.read();
        assertEquals(Frame.STDOUT, a.type);
        assertArrayEquals(new byte[] {1, 2, 3}, a.payload);
        assertEquals(0, reader.read().payload.length);
        assertEquals(-2, reader.read().exitStatus());
        assertNull(reader.read());
    }

    @Test
    void hostileLengthsAreRefusedWithoutAllocating() {
        byte[] huge = ByteBuffer.allocate(5).put(Frame.REQUEST).putInt(Integer.MAX_VALUE).array();
        FrameChannel reader = new FrameChannel(channel(huge, new ByteArrayOutputStream()));
        assertThrows(ProtocolException.class, reader::read);

        byte[] lyingCount = ByteBuffer.allocate(20).putInt(Request.VERSION).put(Request.EXEC).putInt(0)
                .put((byte) 0).put((byte) 0).putInt(Integer.MAX_VALUE).array();
        assertThrows(ProtocolException.class, () -> Request.decode(lyingCount));
        assertThrows(ProtocolException.class, () -> Request.decode(new byte[] {0, 0}));
        assertThrows(ProtocolException.class, () -> Request.decode(ByteBuffer.allocate(4).putInt(99).array()));
    }

    @Test
    void truncatedFrameIsAnError() {
        byte[] truncated = ByteBuffer.allocate(7).put(Frame.STDOUT).putInt(10).put((byte) 1).put((byte) 2).array();
        FrameChannel reader = new FrameChannel(channel(truncated, new ByteArrayOutputStream()));
        assertThrows(EOFException.class, reader::read);
    }
}
