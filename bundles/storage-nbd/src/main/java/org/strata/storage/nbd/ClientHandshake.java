package org.strata.storage.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.strata.nbd.protocol.Nbd;

/**
 * The client side of the fixed newstyle handshake: extended headers or structured replies when the server
 * has them, the {@code base:allocation} context, then NBD_OPT_GO (NBD_OPT_EXPORT_NAME for servers without it).
 */
final class ClientHandshake {

    private static final int MAX_OPTION_REPLY = 64 * 1024;

    private final Channel channel;
    private final NbdUri uri;
    private final boolean tryExtended;

    ClientHandshake(Channel channel, NbdUri uri, boolean tryExtended) {
        this.channel = channel;
        this.uri = uri;
        this.tryExtended = tryExtended;
    }

    Negotiated run() throws IOException {
        ByteBuffer greeting = channel.read(16);
        long magic = greeting.getLong();
        long second = greeting.getLong();
        if (magic != Nbd.NBDMAGIC) {
            throw fail("not an NBD server");
        }
        if (second == Nbd.OLDSTYLE_MAGIC) {
            throw fail("the server uses the oldstyle handshake, which has no export names; it is not supported");
        }
        if (second != Nbd.IHAVEOPT) {
            throw fail("unknown handshake magic 0x" + Long.toHexString(second));
        }
        int serverFlags = channel.read(2).getShort() & 0xffff;
        boolean fixed = (serverFlags & Nbd.FLAG_FIXED_NEWSTYLE) != 0;
        boolean noZeroes = (serverFlags & Nbd.FLAG_NO_ZEROES) != 0;
        channel.write(ByteBuffer.allocate(4)
                .putInt((fixed ? Nbd.FLAG_C_FIXED_NEWSTYLE : 0) | (noZeroes ? Nbd.FLAG_C_NO_ZEROES : 0)).flip());
        if (!fixed) {
            return exportName(noZeroes, false);
        }
        boolean extended = tryExtended && simpleOption(Nbd.OPT_EXTENDED_HEADERS);
        boolean structured = !extended && simpleOption(Nbd.OPT_STRUCTURED_REPLY);
        long context = extended || structured ? selectAllocationContext() : -1;
        return go(extended, structured, context, noZeroes);
    }

    /** Sends an option without data; true when the server acknowledged it. */
    private boolean simpleOption(int option) throws IOException {
        sendOption(option, new byte[0]);
        Reply r = readReply(option);
        if (r.type == Nbd.REP_ACK) {
            return true;
        }
        if (r.isError()) {
            refusedOutright(r);
            return false;
        }
        throw fail("unexpected reply " + r.type + " to option " + option);
    }

    /** Errors that end the handshake whatever the option: the server wants TLS, or is going away. */
    private void refusedOutright(Reply r) throws IOException {
        if (r.type == Nbd.REP_ERR_TLS_REQD) {
            throw fail("the server requires TLS, which the client does not support" + r.message());
        }
        if (r.type == Nbd.REP_ERR_SHUTDOWN) {
            throw fail("the server is shutting down" + r.message());
        }
    }

    private long selectAllocationContext() throws IOException {
        byte[] name = uri.export().getBytes(StandardCharsets.UTF_8);
        byte[] query = Nbd.CONTEXT_BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(12 + name.length + query.length).putInt(name.length).put(name)
                .putInt(1).putInt(query.length).put(query);
        sendOption(Nbd.OPT_SET_META_CONTEXT, data.array());
        long id = -1;
        while (true) {
            Reply r = readReply(Nbd.OPT_SET_META_CONTEXT);
            if (r.type == Nbd.REP_META_CONTEXT) {
                if (r.data.remaining() >= 4) {
                    int ctx = r.data.getInt();
                    String n = StandardCharsets.UTF_8.decode(r.data).toString();
                    if (n.equals(Nbd.CONTEXT_BASE_ALLOCATION)) {
                        id = Integer.toUnsignedLong(ctx);
                    }
                }
            } else if (r.type == Nbd.REP_ACK) {
                return id;
            } else if (r.isError()) {
                refusedOutright(r);
                return -1; // no block status then; not fatal
            } else {
                throw fail("unexpected reply " + r.type + " to NBD_OPT_SET_META_CONTEXT");
            }
        }
    }

    private Negotiated go(boolean extended, boolean structured, long context, boolean noZeroes) throws IOException {
        byte[] name = uri.export().getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(8 + name.length).putInt(name.length).put(name).putShort((short) 1)
                .putShort((short) Nbd.INFO_BLOCK_SIZE);
        sendOption(Nbd.OPT_GO, data.array());
        long size = -1;
        int flags = 0;
        int minBlock = 1;
        int maxPayload = Nbd.DEFAULT_MAX_PAYLOAD;
        while (true) {
            Reply r = readReply(Nbd.OPT_GO);
            if (r.type == Nbd.REP_INFO) {
                if (r.data.remaining() < 2) {
                    throw fail("malformed NBD_REP_INFO");
                }
                int info = r.data.getShort() & 0xffff;
                if (info == Nbd.INFO_EXPORT && r.data.remaining() == 10) {
                    size = r.data.getLong();
                    flags = r.data.getShort() & 0xffff;
                } else if (info == Nbd.INFO_BLOCK_SIZE && r.data.remaining() == 12) {
                    minBlock = r.data.getInt();
                    r.data.getInt();
                    maxPayload = r.data.getInt();
                }
            } else if (r.type == Nbd.REP_ACK) {
                if (size < 0) {
                    throw fail("the server sent no export size");
                }
                return checked(new Negotiated(size, flags, minBlock, Math.min(maxPayload, Nbd.DEFAULT_MAX_PAYLOAD),
                        structured, extended, context));
            } else if (r.type == Nbd.REP_ERR_UNSUP && !extended) {
                return exportName(noZeroes, structured); // a server from before NBD_OPT_GO
            } else if (r.type == Nbd.REP_ERR_UNKNOWN) {
                throw fail("export '" + uri.export() + "' not found" + r.message());
            } else if (r.isError()) {
                refusedOutright(r);
                throw fail("export '" + uri.export() + "' refused (reply 0x" + Integer.toHexString(r.type) + ")"
                        + r.message());
            } else {
                throw fail("unexpected reply " + r.type + " to NBD_OPT_GO");
            }
        }
    }

    private Negotiated exportName(boolean noZeroes, boolean structured) throws IOException {
        sendOption(Nbd.OPT_EXPORT_NAME, uri.export().getBytes(StandardCharsets.UTF_8));
        ByteBuffer reply;
        try {
            reply = channel.read(10);
        } catch (java.io.EOFException e) {
            throw fail("export '" + uri.export() + "' not found (the server closed the connection)");
        }
        long size = reply.getLong();
        int flags = reply.getShort() & 0xffff;
        if (!noZeroes) {
            channel.skip(124);
        }
        // without NBD_OPT_GO there was no metadata context negotiation that counts for this export
        return checked(new Negotiated(size, flags, 1, Nbd.DEFAULT_MAX_PAYLOAD, structured, false, -1));
    }

    private Negotiated checked(Negotiated n) throws IOException {
        if (n.size() < 0) {
            throw fail("the export size " + Long.toUnsignedString(n.size()) + " is too large");
        }
        if (n.minBlock() < 1 || n.minBlock() > 65536 || Integer.bitCount(n.minBlock()) != 1) {
            throw fail("invalid minimum block size " + n.minBlock());
        }
        if (n.maxPayload() < Math.max(n.minBlock(), 512)) {
            throw fail("invalid maximum payload size " + Integer.toUnsignedString(n.maxPayload()));
        }
        return n;
    }

    private void sendOption(int option, byte[] data) throws IOException {
        channel.write(ByteBuffer.allocate(16 + data.length).putLong(Nbd.IHAVEOPT).putInt(option)
                .putInt(data.length).put(data).flip());
    }

    private record Reply(int type, ByteBuffer data) {
        boolean isError() {
            return type < 0;
        }

        String message() {
            String m = StandardCharsets.UTF_8.decode(data.duplicate()).toString().strip();
            return m.isEmpty() ? "" : " (server: " + m + ")";
        }
    }

    private Reply readReply(int option) throws IOException {
        ByteBuffer h = channel.read(20);
        if (h.getLong() != Nbd.OPTION_REPLY_MAGIC) {
            throw fail("bad option reply magic");
        }
        int echoed = h.getInt();
        int type = h.getInt();
        long length = Integer.toUnsignedLong(h.getInt());
        if (echoed != option) {
            throw fail("reply to option " + echoed + " while waiting for " + option);
        }
        if (length > MAX_OPTION_REPLY) {
            throw fail("option reply of " + length + " bytes");
        }
        return new Reply(type, channel.read((int) length));
    }

    private IOException fail(String message) {
        return new IOException(uri + ": " + message);
    }
}
