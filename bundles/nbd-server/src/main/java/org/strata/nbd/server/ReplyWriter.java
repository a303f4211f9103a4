package org.strata.nbd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import org.strata.nbd.protocol.Nbd;
import org.strata.nbd.protocol.Request;

/**
 * Encodes the replies of one connection as the session demands (simple, structured or extended) and sends
 * each reply whole under one lock, so the replies of parallel requests never interleave.
 */
final class ReplyWriter {

    private static final int MAX_MESSAGE = 1024;

    private final Transport transport;
    private final boolean structured;
    private final boolean extended;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile long writingSince; // System.nanoTime() when the current write began, 0 when idle

    ReplyWriter(Transport transport, Session session) {
        this.transport = transport;
        this.structured = session.structured();
        this.extended = session.extended();
    }

    /** Nanoseconds the current write has been blocked (a client that stopped reading), 0 when idle. */
    long stalledNanos(long now) {
        long since = writingSince;
        return since == 0 ? 0 : now - since;
    }

    /** Success without data. */
    void ok(Request r) throws IOException {
        if (extended) {
            send(chunkHeader(r, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, 0));
        } else {
            send(simpleHeader(r.cookie(), 0));
        }
    }

    void error(Request r, int code, String message) throws IOException {
        if (structured || extended) {
            byte[] msg = truncate(message);
            ByteBuffer payload = ByteBuffer.allocate(6 + msg.length).putInt(code).putShort((short) msg.length)
                    .put(msg).flip();
            send(chunkHeader(r, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_ERROR, payload.remaining()), payload);
        } else {
            send(simpleHeader(r.cookie(), code));
        }
    }

    /**
     * A successful read: {@code data} holds the bytes of the whole request; with chunked replies the hole
     * segments are sent as hole chunks and their bytes in {@code data} are not looked at.
     */
    void read(Request r, List<ReadPlan.Segment> segments, ByteBuffer data) throws IOException {
        if (!structured && !extended) {
            send(simpleHeader(r.cookie(), 0), data.duplicate());
            return;
        }
        if (segments.isEmpty()) {
            send(chunkHeader(r, Nbd.REPLY_FLAG_DONE, Nbd.REPLY_TYPE_NONE, 0));
            return;
        }
        List<ByteBuffer> out = new ArrayList<>(segments.size() * 2);
        for (int i = 0; i < segments.size(); i++) {
            ReadPlan.Segment s = segments.get(i);
            int flags = i == segments.size() - 1 ? Nbd.REPLY_FLAG_DONE : 0;
            if (s.hole()) {
                ByteBuffer h = chunkHeader(r, flags, Nbd.REPLY_TYPE_OFFSET_HOLE, 12, 12);
                out.add(h.putLong(s.offset()).putInt(s.length()).flip());
            } else {
                ByteBuffer h = chunkHeader(r, flags, Nbd.REPLY_TYPE_OFFSET_DATA, 8L + s.length(), 8);
                out.add(h.putLong(s.offset()).flip());
                out.add(data.slice(s.bufferOffset(), s.length()));
            }
        }
        send(out.toArray(new ByteBuffer[0]));
    }

    /** One block status chunk per context, each a list of (length, flags) extents. */
    void blockStatus(Request r, List<MetaContext> contexts, List<List<long[]>> extents) throws IOException {
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < contexts.size(); i++) {
            List<long[]> list = extents.get(i);
            int flags = i == contexts.size() - 1 ? Nbd.REPLY_FLAG_DONE : 0;
            ByteBuffer payload;
            if (extended) {
                payload = ByteBuffer.allocate(8 + 16 * list.size()).putInt(contexts.get(i).id).putInt(list.size());
                for (long[] e : list) {
                    payload.putLong(e[0]).putLong(e[1]);
                }
                out.add(chunkHeader(r, flags, Nbd.REPLY_TYPE_BLOCK_STATUS_EXT, payload.capacity()));
            } else {
                payload = ByteBuffer.allocate(4 + 8 * list.size()).putInt(contexts.get(i).id);
                for (long[] e : list) {
                    payload.putInt((int) e[0]).putInt((int) e[1]);
                }
                out.add(chunkHeader(r, flags, Nbd.REPLY_TYPE_BLOCK_STATUS, payload.capacity()));
            }
            out.add(payload.flip());
        }
        send(out.toArray(new ByteBuffer[0]));
    }

    private ByteBuffer simpleHeader(long cookie, int error) {
        return ByteBuffer.allocate(16).putInt(Nbd.SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie).flip();
    }

    private ByteBuffer chunkHeader(Request r, int flags, int type, long payloadLength) {
        return chunkHeader(r, flags, type, payloadLength, 0).flip();
    }

    /** A chunk header with room for {@code extra} more bytes (left in write mode when extra > 0). */
    private ByteBuffer chunkHeader(Request r, int flags, int type, long payloadLength, int extra) {
        ByteBuffer b;
        if (extended) {
            b = ByteBuffer.allocate(32 + extra).putInt(Nbd.EXTENDED_REPLY_MAGIC).putShort((short) flags)
                    .putShort((short) type).putLong(r.cookie()).putLong(r.offset()).putLong(payloadLength);
        } else {
            b = ByteBuffer.allocate(20 + extra).putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) flags)
                    .putShort((short) type).putLong(r.cookie()).putInt((int) payloadLength);
        }
        return b;
    }

    private static byte[] truncate(String message) {
        byte[] b = (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_MESSAGE) {
            return b;
        }
        // cut at a character boundary
        int n = MAX_MESSAGE;
        while (n > 0 && (b[n] & 0xc0) == 0x80) {
            n--;
        }
        return java.util.Arrays.copyOf(b, n);
    }

    private void send(ByteBuffer... buffers) throws IOException {
        lock.lock();
        try {
            writingSince = System.nanoTime() | 1;
            transport.write(buffers);
        } finally {
            writingSince = 0;
            lock.unlock();
        }
    }
}
