package org.strata.cli.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a client asks of the daemon, sent as the payload of the first {@link Frame#REQUEST} frame:
 * <pre>
 *   int    protocol version (1)
 *   byte   kind: 'X' run argv once, 'S' shell session (LINE frames follow)
 *   string client working directory (absolute)
 *   byte   stdout is a terminal (0/1)
 *   byte   --debug (0/1)
 *   int n, n strings   --allow-root values as given
 *   int n, n strings   argv: the command name, then its arguments exactly as given (empty for a shell)
 * </pre>
 * A string is an int byte count followed by that many UTF-8 bytes. All ints are big-endian.
 */
public final class Request {

    public static final int VERSION = 1;
    public static final byte EXEC = 'X';
    public static final byte SHELL = 'S';

    private static final int MAX_ITEMS = 100_000;

    public final byte kind;
    public final String cwd;
    public final boolean tty;
    public final boolean debug;
    public final List<String> allowRoots;
    public final List<String> argv;

    public Request(byte kind, String cwd, boolean tty, boolean debug, List<String> allowRoots, List<String> argv) {
        if (kind != EXEC && kind != SHELL) {
            throw new IllegalArgumentException("unknown request kind " + kind);
        }
        this.kind = kind;
        this.cwd = cwd;
        this.tty = tty;
        this.debug = debug;
        this.allowRoots = Collections.unmodifiableList(new ArrayList<>(allowRoots));
        this.argv = Collections.unmodifiableList(new ArrayList<>(argv));
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(VERSION);
            out.writeByte(kind);
            writeString(out, cwd);
            out.writeByte(tty ? 1 : 0);
            out.writeByte(debug ? 1 : 0);
            writeStrings(out, allowRoots);
            writeStrings(out, argv);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a byte array does not fail
        }
    }

    public static Request decode(byte[] payload) throws ProtocolException {
        ByteBuffer in = ByteBuffer.wrap(payload);
        try {
            int version = in.getInt();
            if (version != VERSION) {
                throw new ProtocolException("client speaks version " + version + ", this daemon speaks "
                        + VERSION);
            }
            byte kind = in.get();
            if (kind != EXEC && kind != SHELL) {
                throw new ProtocolException("unknown request kind " + kind);
            }
            String cwd = readString(in);
            boolean tty = in.get() != 0;
            boolean debug = in.get() != 0;
            List<String> roots = readStrings(in);
            List<String> argv = readStrings(in);
            if (in.hasRemaining()) {
                throw new ProtocolException("trailing bytes after the request");
            }
            return new Request(kind, cwd, tty, debug, roots, argv);
        } catch (java.nio.BufferUnderflowException e) {
            throw new ProtocolException("truncated request");
        }
    }

    private static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (int i = 0; i < values.size(); i++) {
            writeString(out, values.get(i));
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static List<String> readStrings(ByteBuffer in) throws ProtocolException {
        int count = in.getInt();
        // each string needs at least its 4-byte length: a count beyond that is a lie, not an allocation
        if (count < 0 || count > MAX_ITEMS || count > in.remaining() / 4) {
            throw new ProtocolException("string count " + count + " out of range");
        }
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(readString(in));
        }
        return values;
    }

    private static String readString(ByteBuffer in) throws ProtocolException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new ProtocolException("string length " + length + " out of range");
        }
        String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }
}
