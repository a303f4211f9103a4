package org.strata.nbd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;

import org.strata.nbd.protocol.Nbd;
import org.strata.nbd.protocol.ProtocolViolation;

/**
 * The server side of the fixed newstyle handshake: option haggling until NBD_OPT_GO (or NBD_OPT_EXPORT_NAME)
 * picks an export, or the client aborts. Every length the client sends is checked before it is used.
 */
final class Handshake {

    private final NbdServerCore server;
    private final Connection connection;
    private final ServerLimits limits;
    private Transport transport;
    private boolean noZeroes;
    private boolean structured;
    private boolean extended;
    private boolean aborted;
    private String metaExport;
    private List<MetaContext> metaContexts = List.of();

    Handshake(NbdServerCore server, Connection connection, Transport transport) {
        this.server = server;
        this.connection = connection;
        this.limits = server.limits();
        this.transport = transport;
    }

    /** Runs the handshake; the session to serve, or null when the client aborted. */
    Session run() throws IOException {
        transport.write(ByteBuffer.allocate(18).putLong(Nbd.NBDMAGIC).putLong(Nbd.IHAVEOPT)
                .putShort((short) (Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES)).flip());
        int clientFlags = transport.read(4).getInt();
        if ((clientFlags & ~(Nbd.FLAG_C_FIXED_NEWSTYLE | Nbd.FLAG_C_NO_ZEROES)) != 0) {
            throw new ProtocolViolation("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & Nbd.FLAG_C_NO_ZEROES) != 0;
        while (!aborted) {
            ByteBuffer header = transport.read(16);
            long magic = header.getLong();
            int option = header.getInt();
            long length = Integer.toUnsignedLong(header.getInt());
            if (magic != Nbd.IHAVEOPT) {
                throw new ProtocolViolation("bad option magic 0x" + Long.toHexString(magic));
            }
            if (length > limits.maxOptionLength()) {
                throw new ProtocolViolation("option " + option + " of " + length + " bytes is longer than "
                        + limits.maxOptionLength());
            }
            Session session = option(option, transport.read((int) length));
            if (session != null) {
                return session;
            }
        }
        return null;
    }

    /** The transport to go on with (TLS after STARTTLS). */
    Transport transport() {
        return transport;
    }

    private Session option(int option, ByteBuffer data) throws IOException {
        SSLContext tls = server.tlsContext();
        if (option == Nbd.OPT_ABORT) {
            reply(option, Nbd.REP_ACK, null);
            aborted = true;
            return null;
        }
        if (option == Nbd.OPT_EXPORT_NAME) {
            return exportName(data, tls != null && !transport.isTls());
        }
        if (option == Nbd.OPT_STARTTLS) {
            startTls(option, data, tls);
            return null;
        }
        if (tls != null && !transport.isTls()) {
            error(option, Nbd.REP_ERR_TLS_REQD, "TLS is required: start it with NBD_OPT_STARTTLS");
            return null;
        }
        if (server.isClosing()) {
            error(option, Nbd.REP_ERR_SHUTDOWN, "the server is shutting down");
            return null;
        }
        switch (option) {
            case Nbd.OPT_LIST -> list(option, data);
            case Nbd.OPT_INFO, Nbd.OPT_GO -> {
                return info(option, data);
            }
            case Nbd.OPT_STRUCTURED_REPLY -> {
                if (data.hasRemaining()) {
                    error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                } else if (extended) {
                    error(option, Nbd.REP_ERR_EXT_HEADER_REQD, "extended headers are already negotiated");
                } else {
                    structured = true;
                    reply(option, Nbd.REP_ACK, null);
                }
            }
            case Nbd.OPT_EXTENDED_HEADERS -> {
                if (data.hasRemaining()) {
                    error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_EXTENDED_HEADERS takes no data");
                } else {
                    extended = true;
                    reply(option, Nbd.REP_ACK, null);
                }
            }
            case Nbd.OPT_LIST_META_CONTEXT, Nbd.OPT_SET_META_CONTEXT -> metaContext(option, data);
            default -> error(option, Nbd.REP_ERR_UNSUP, "option " + option + " is not supported");
        }
        return null;
    }

    private Session exportName(ByteBuffer data, boolean tlsMissing) throws IOException {
        if (tlsMissing) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME before the required STARTTLS");
        }
        if (extended) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME after extended headers were negotiated");
        }
        String name = string(data, data.remaining());
        Export export = server.export(name);
        if (export == null || server.isClosing()) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME for unknown export '" + name + "'");
        }
        long size = export.refreshSize();
        int flags = export.transmissionFlags(structured);
        if (!connection.attach(export)) {
            throw new ProtocolViolation("export '" + name + "' is being removed");
        }
        ByteBuffer reply = ByteBuffer.allocate(noZeroes ? 10 : 134).putLong(size).putShort((short) flags);
        transport.write(reply.position(reply.limit()).flip());
        return new Session(export, structured, false, contextsFor(name), flags);
    }

    private void startTls(int option, ByteBuffer data, SSLContext tls) throws IOException {
        if (data.hasRemaining()) {
            error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_STARTTLS takes no data");
        } else if (tls == null) {
            error(option, Nbd.REP_ERR_POLICY, "TLS is not configured on this server");
        } else if (transport.isTls()) {
            error(option, Nbd.REP_ERR_INVALID, "TLS is already running");
        } else {
            reply(option, Nbd.REP_ACK, null);
            transport = transport.startTls(tls);
            connection.upgraded(transport);
            // nothing negotiated in the clear carries over
            structured = false;
            extended = false;
            metaExport = null;
            metaContexts = List.of();
        }
    }

    private void list(int option, ByteBuffer data) throws IOException {
        if (data.hasRemaining()) {
            error(option, Nbd.REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (Export e : server.exportList()) {
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            byte[] description = e.description.getBytes(StandardCharsets.UTF_8);
            reply(option, Nbd.REP_SERVER, ByteBuffer.allocate(4 + name.length + description.length)
                    .putInt(name.length).put(name).put(description).flip());
        }
        reply(option, Nbd.REP_ACK, null);
    }

    private Session info(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            error(option, Nbd.REP_ERR_INVALID, "malformed NBD_OPT_INFO/NBD_OPT_GO");
            return null;
        }
        int nameLength = data.getInt();
        if (nameLength < 0 || nameLength > data.remaining() - 2 || nameLength > Nbd.MAX_STRING) {
            error(option, Nbd.REP_ERR_INVALID, "bad export name length " + Integer.toUnsignedString(nameLength));
            return null;
        }
        String name = string(data, nameLength);
        int requests = data.getShort() & 0xffff;
        if (data.remaining() != 2 * requests) {
            error(option, Nbd.REP_ERR_INVALID, "information request list does not match the option length");
            return null;
        }
        List<Integer> wanted = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            wanted.add(data.getShort() & 0xffff);
        }
        Export export = server.export(name);
        if (export == null) {
            error(option, Nbd.REP_ERR_UNKNOWN, "export '" + name + "' not found");
            return null;
        }
        long size;
        try {
            size = export.refreshSize();
        } catch (IOException e) {
            error(option, Nbd.REP_ERR_UNKNOWN, "export '" + name + "' is not available: " + e.getMessage());
            return null;
        }
        boolean go = option == Nbd.OPT_GO;
        int flags = export.transmissionFlags(structured || extended);
        if (go && !connection.attach(export)) {
            error(option, Nbd.REP_ERR_UNKNOWN, "export '" + name + "' is being removed");
            return null;
        }
        reply(option, Nbd.REP_INFO, ByteBuffer.allocate(12).putShort((short) Nbd.INFO_EXPORT).putLong(size)
                .putShort((short) flags).flip());
        if (wanted.contains(Nbd.INFO_NAME)) {
            infoString(option, Nbd.INFO_NAME, export.name);
        }
        if (wanted.contains(Nbd.INFO_DESCRIPTION) && !export.description.isEmpty()) {
            infoString(option, Nbd.INFO_DESCRIPTION, export.description);
        }
        // Always sent: clients that did not ask may ignore it, and our constraints are the defaults anyway.
        reply(option, Nbd.REP_INFO, ByteBuffer.allocate(14).putShort((short) Nbd.INFO_BLOCK_SIZE).putInt(1)
                .putInt(export.preferredBlockSize).putInt(limits.maxPayload()).flip());
        reply(option, Nbd.REP_ACK, null);
        return go ? new Session(export, structured, extended, contextsFor(name), flags) : null;
    }

    private List<MetaContext> contextsFor(String exportName) {
        return exportName.equals(metaExport) ? metaContexts : List.of();
    }

    private void infoString(int option, int type, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        reply(option, Nbd.REP_INFO, ByteBuffer.allocate(2 + b.length).putShort((short) type).put(b).flip());
    }

    private void metaContext(int option, ByteBuffer data) throws IOException {
        boolean set = option == Nbd.OPT_SET_META_CONTEXT;
        if (set) {
            metaExport = null;
            metaContexts = List.of();
        }
        if (!structured && !extended) {
            error(option, Nbd.REP_ERR_INVALID, "negotiate structured replies before metadata contexts");
            return;
        }
        String name;
        List<String> queries = new ArrayList<>();
        if (data.remaining() < 8) {
            error(option, Nbd.REP_ERR_INVALID, "malformed metadata context option");
            return;
        }
        int nameLength = data.getInt();
        if (nameLength < 0 || nameLength > data.remaining() - 4 || nameLength > Nbd.MAX_STRING) {
            error(option, Nbd.REP_ERR_INVALID, "bad export name length " + Integer.toUnsignedString(nameLength));
            return;
        }
        name = string(data, nameLength);
        int count = data.getInt();
        if (count < 0 || count > data.remaining() / 4) {
            error(option, Nbd.REP_ERR_INVALID, "bad query count " + Integer.toUnsignedString(count));
            return;
        }
        for (int i = 0; i < count; i++) {
            if (data.remaining() < 4) {
                error(option, Nbd.REP_ERR_INVALID, "query " + i + " is cut short");
                return;
            }
            int length = data.getInt();
            if (length < 0 || length > data.remaining() || length > Nbd.MAX_STRING) {
                error(option, Nbd.REP_ERR_INVALID, "bad query length " + Integer.toUnsignedString(length));
                return;
            }
            queries.add(string(data, length));
        }
        if (data.hasRemaining()) {
            error(option, Nbd.REP_ERR_INVALID, "trailing bytes after the queries");
            return;
        }
        if (server.export(name) == null) {
            error(option, Nbd.REP_ERR_UNKNOWN, "export '" + name + "' not found");
            return;
        }
        List<MetaContext> found = set ? MetaContext.select(queries) : MetaContext.list(queries);
        for (MetaContext c : found) {
            byte[] b = c.contextName.getBytes(StandardCharsets.UTF_8);
            reply(option, Nbd.REP_META_CONTEXT, ByteBuffer.allocate(4 + b.length).putInt(set ? c.id : 0).put(b)
                    .flip());
        }
        if (set) {
            metaExport = name;
            metaContexts = List.copyOf(found);
        }
        reply(option, Nbd.REP_ACK, null);
    }

    private static String string(ByteBuffer data, int length) {
        byte[] b = new byte[length];
        data.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void reply(int option, int type, ByteBuffer payload) throws IOException {
        int length = payload == null ? 0 : payload.remaining();
        ByteBuffer header = ByteBuffer.allocate(20).putLong(Nbd.OPTION_REPLY_MAGIC).putInt(option).putInt(type)
                .putInt(length).flip();
        if (payload == null) {
            transport.write(header);
        } else {
            transport.write(header, payload);
        }
    }

    private void error(int option, int type, String message) throws IOException {
        reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }
}
