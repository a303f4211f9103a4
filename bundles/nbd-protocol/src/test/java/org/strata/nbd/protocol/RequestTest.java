package org.strata.nbd.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class RequestTest {

    @Test
    void compactHeaderIsTheSpecsLayout() {
        ByteBuffer b = new Request(Nbd.CMD_FLAG_FUA, Nbd.CMD_WRITE, 0x0102030405060708L, 4096, 512).encode(false);
        assertEquals(28, b.remaining());
        assertEquals(Nbd.REQUEST_MAGIC, b.getInt());
        assertEquals(Nbd.CMD_FLAG_FUA, b.getShort());
        assertEquals(Nbd.CMD_WRITE, b.getShort());
        assertEquals(0x0102030405060708L, b.getLong());
        assertEquals(4096, b.getLong());
        assertEquals(512, b.getInt());
    }

    @Test
    void roundTripsBothLayouts() throws Exception {
        Request compact = new Request(Nbd.CMD_FLAG_NO_HOLE, Nbd.CMD_WRITE_ZEROES, 7, 1L << 40, 0xffff_ffffL);
        assertEquals(compact, Request.decode(compact.encode(false), false));
        Request extended = new Request(Nbd.CMD_FLAG_PAYLOAD_LEN, Nbd.CMD_WRITE, 8, 0, 5L << 32);
        ByteBuffer b = extended.encode(true);
        assertEquals(Request.size(true), b.remaining());
        assertEquals(extended, Request.decode(b, true));
    }

    @Test
    void offsetsAndLengthsAreUnsigned() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28).putInt(Nbd.REQUEST_MAGIC).putShort((short) 0xffff)
                .putShort((short) Nbd.CMD_READ).putLong(1).putLong(-1).putInt(-1).flip();
        Request r = Request.decode(b, false);
        assertEquals(0xffff, r.flags());
        assertEquals(0xffff_ffffL, r.length());
        assertEquals("READ offset 18446744073709551615 length 4294967295", r.toString());
    }

    @Test
    void aHeaderOfTheOtherLayoutBreaksTheFraming() {
        ByteBuffer compact = new Request(0, Nbd.CMD_READ, 1, 0, 512).encode(false);
        ProtocolViolation e = assertThrows(ProtocolViolation.class, () -> Request.decode(compact, true));
        assertEquals("bad request magic 0x25609513", e.getMessage());
    }
}
