package org.strata.launcher.client;

import java.io.Closeable;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

import org.strata.cli.wire.Frame;
import org.strata.cli.wire.FrameChannel;
import org.strata.cli.wire.ProtocolException;
import org.strata.cli.wire.Request;
import org.strata.launcher.LauncherException;

/** A connection to the daemon's management socket. */
final class DaemonClient implements Closeable {

    /** 128 + SIGPIPE */
    static final int BROKEN_PIPE_STATUS = 141;

    private final File socket;
    private final FrameChannel frames;
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    private final OutputStream stderr = new FileOutputStream(FileDescriptor.err);

    private DaemonClient(File socket, FrameChannel frames) {
        this.socket = socket;
        this.frames = frames;
    }

    static DaemonClient connect(File socket) throws LauncherException {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket.getPath()));
            return new DaemonClient(socket, new FrameChannel(channel));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            String why = socket.exists() ? String.valueOf(e.getMessage()) : "no socket";
            throw new LauncherException("no daemon is answering on " + socket + " (" + why + ")");
        }
    }

    void send(Request request) throws LauncherException {
        write(Frame.REQUEST, request.encode(), "the command line");
    }

    void sendLine(String line) throws LauncherException {
        write(Frame.LINE, line.getBytes(StandardCharsets.UTF_8), "the line");
    }

    private void write(byte type, byte[] payload, String what) throws LauncherException {
        if (payload.length > Frame.MAX_PAYLOAD) {
            throw new LauncherException(what + " is too long: " + payload.length + " bytes, the limit is "
                    + Frame.MAX_PAYLOAD);
        }
        try {
            frames.write(type, payload);
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /**
     * Copies the command's output to ours until its exit frame; returns its status. When our own stdout or stderr
     * is closed (e.g. {@code strata exec lb | head -1}), returns {@link #BROKEN_PIPE_STATUS} at once, silently,
     * as a process killed by SIGPIPE would; the command in the daemon runs on, its output dropped.
     */
    int awaitExit() throws LauncherException {
        return awaitExit(stdout, stderr);
    }

    /** The same, with the command's output and errors copied to the streams given. */
    int awaitExit(OutputStream stdout, OutputStream stderr) throws LauncherException {
        while (true) {
            Frame frame;
            try {
                frame = frames.read();
                if (frame == null) {
                    throw new ProtocolException("the daemon closed the connection before the command finished");
                }
            } catch (IOException e) {
                throw lost(e);
            }
            if (frame.type == Frame.EXIT) {
                try {
                    return frame.exitStatus();
                } catch (ProtocolException e) {
                    throw lost(e);
                }
            }
            if (frame.type != Frame.STDOUT && frame.type != Frame.STDERR) {
                throw lost(new ProtocolException("unexpected frame type " + frame.type));
            }
            try {
                (frame.type == Frame.STDOUT ? stdout : stderr).write(frame.payload);
            } catch (IOException e) {
                return BROKEN_PIPE_STATUS;
            }
        }
    }

    private LauncherException lost(IOException e) {
        return new LauncherException("lost the connection to the daemon on " + socket + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        closeQuietly(frames);
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing left to tell anyone
            }
        }
    }
}
