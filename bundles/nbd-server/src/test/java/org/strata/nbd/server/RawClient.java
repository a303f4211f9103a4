package org.strata.nbd.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.strata.nbd.protocol.Nbd;

/**
 * A deliberately low-level NBD client for tests: it sends exactly the bytes a test wants (also wrong ones)
 * and decodes what comes back. Reads time out after 10 seconds.
 */
final class RawClient implements AutoCloseable {

    final Socket socket;
    final DataInputStream in;
    final DataOutputStream out;
    boolean extended;
    boolean structured;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** Reads the greeting and answers with fixed newstyle and no zeroes; returns the handshake flags. */
    int handshake() throws IOException {
        if (in.readLong() != Nbd.NBDMAGIC || in.readLong() != Nbd.IHAVEOPT) {
            throw new IOException("bad greeting");
        }
        int flags = in.readUnsignedShort();
        out.writeInt(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES);
        out.flush();
        return flags;
    }

    record OptReply(int option, int type, byte[] data) {
        boolean isError() {
            return type < 0;
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    void sendOption(int option, byte[] data) throws IOException {
        out.writeLong(Nbd.IHAVEOPT);
        out.writeInt(option);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
    }

    OptReply readOptReply() throws IOException {
        long magic = in.readLong();
        if (magic != Nbd.OPTION_REPLY_MAGIC) {
            throw new IOException("bad option reply magic " + Long.toHexString(magic));
        }
        int option = in.readInt();
        int type = in.readInt();
        int len = in.readInt();
        byte[] data = new byte[len];
        in.readFully(data);
        return new OptReply(option, type, data);
    }

    /** Sends an option and reads replies up to the final one (ACK or an error). */
    List<OptReply> option(int option, byte[] data) throws IOException {
        sendOption(option, data);
        List<OptReply> replies = new ArrayList<>();
        while (true) {
            OptReply r = readOptReply();
            replies.add(r);
            if (r.type() == Nbd.REP_ACK || r.isError()) {
                return replies;
            }
        }
    }

    void negotiateStructured() throws IOException {
        expectAck(option(Nbd.OPT_STRUCTURED_REPLY, new byte[0]));
        structured = true;
    }

    void negotiateExtended() throws IOException {
        expectAck(option(Nbd.OPT_EXTENDED_HEADERS, new byte[0]));
        extended = true;
    }

    static void expectAck(List<OptReply> replies) throws IOException {
        OptReply last = replies.get(replies.size() - 1);
        if (last.type() != Nbd.REP_ACK) {
            throw new IOException("option refused: type 0x" + Integer.toHexString(last.type()) + " " + last.text());
        }
    }

    static byte[] metaContextData(String export, String... queries) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        try {
            byte[] n = export.getBytes(StandardCharsets.UTF_8);
            d.writeInt(n.length);
            d.write(n);
            d.writeInt(queries.length);
            for (String q : queries) {
                byte[] qb = q.getBytes(StandardCharsets.UTF_8);
                d.writeInt(qb.length);
                d.write(qb);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return b.toByteArray();
    }

    static byte[] goData(String export, int... infos) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        try {
            byte[] n = export.getBytes(StandardCharsets.UTF_8);
            d.writeInt(n.length);
            d.write(n);
            d.writeShort(infos.length);
            for (int i : infos) {
                d.writeShort(i);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return b.toByteArray();
    }

    /** The export's size and transmission flags from NBD_OPT_GO. */
    record Export(long size, int flags) {
    }

    Export go(String export) throws IOException {
        List<OptReply> replies = option(Nbd.OPT_GO, goData(export, Nbd.INFO_BLOCK_SIZE));
        expectAck(replies);
        for (OptReply r : replies) {
            if (r.type() == Nbd.REP_INFO && r.data().length == 12 && r.data()[1] == Nbd.INFO_EXPORT) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.data());
                b.getShort();
                return new Export(b.getLong(), b.getShort() & 0xffff);
            }
        }
        throw new IOException("no NBD_INFO_EXPORT");
    }

    void request(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        if (extended) {
            out.writeInt(Nbd.EXTENDED_REQUEST_MAGIC);
            out.writeShort(flags);
            out.writeShort(type);
            out.writeLong(cookie);
            out.writeLong(offset);
            out.writeLong(length);
        } else {
            out.writeInt(Nbd.REQUEST_MAGIC);
            out.writeShort(flags);
            out.writeShort(type);
            out.writeLong(cookie);
            out.writeLong(offset);
            out.writeInt((int) length);
        }
        if (payload != null) {
            out.write(payload);
        }
        out.flush();
    }

    /** One reply message: a simple reply (type -1) or a chunk. */
    record Reply(int magic, int flags, int type, long cookie, int error, long offset, byte[] payload) {
        boolean done() {
            return magic == Nbd.SIMPLE_REPLY_MAGIC || (flags & Nbd.REPLY_FLAG_DONE) != 0;
        }

        /** The error of a simple reply or an error chunk, 0 otherwise. */
        int errorCode() {
            if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
                return error;
            }
            if ((type & 0x8000) != 0) {
                return java.nio.ByteBuffer.wrap(payload).getInt();
            }
            return 0;
        }
    }

    /** Reads one reply message; {@code simpleData} is the payload length a simple reply without error carries. */
    Reply read(int simpleData) throws IOException {
        int magic = in.readInt();
        if (magic == Nbd.SIMPLE_REPLY_MAGIC) {
            int error = in.readInt();
            long cookie = in.readLong();
            byte[] data = new byte[error == 0 ? simpleData : 0];
            in.readFully(data);
            return new Reply(magic, 0, -1, cookie, error, 0, data);
        }
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        long offset = 0;
        long length;
        if (magic == Nbd.EXTENDED_REPLY_MAGIC) {
            offset = in.readLong();
            length = in.readLong();
        } else if (magic == Nbd.STRUCTURED_REPLY_MAGIC) {
            length = Integer.toUnsignedLong(in.readInt());
        } else {
            throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        }
        if (length > (64 << 20)) {
            throw new IOException("reply too long: " + length);
        }
        byte[] data = new byte[(int) length];
        in.readFully(data);
        return new Reply(magic, flags, type, cookie, 0, offset, data);
    }

    /** Reads the chunks of one reply up to the one marked done. */
    List<Reply> readAll(int simpleData) throws IOException {
        List<Reply> all = new ArrayList<>();
        Reply r;
        do {
            r = read(simpleData);
            all.add(r);
        } while (!r.done());
        return all;
    }

    /** Reassembles a read reply (data and hole chunks) into the bytes of the request. */
    static byte[] assemble(List<Reply> chunks, long offset, int length) {
        byte[] out = new byte[length];
        for (Reply r : chunks) {
            if (r.magic() == Nbd.SIMPLE_REPLY_MAGIC) {
                return r.payload();
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.payload());
            if (r.type() == Nbd.REPLY_TYPE_OFFSET_DATA) {
                long at = b.getLong();
                b.get(out, (int) (at - offset), b.remaining());
            }
        }
        return out;
    }

    /** Whether the server closed the connection (reads end of stream within the timeout). */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain whatever was still sent
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // connection reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
