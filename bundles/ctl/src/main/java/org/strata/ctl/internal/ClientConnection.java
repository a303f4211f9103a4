package org.strata.ctl.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.felix.service.command.CommandProcessor;
import org.strata.cli.wire.Frame;
import org.strata.cli.wire.FrameChannel;
import org.strata.cli.wire.ProtocolException;
import org.strata.cli.wire.Request;

/** Serves one client of the management socket: one command (exec) or a line-by-line session (shell). */
final class ClientConnection implements Runnable {

    private final FrameChannel frames;
    private final CommandProcessor processor;

    ClientConnection(FrameChannel frames, CommandProcessor processor) {
        this.frames = frames;
        this.processor = processor;
    }

    @Override
    public void run() {
        try (FrameChannel f = frames) {
            serve();
        } catch (IOException e) {
            // the client went away or spoke nonsense: its problem, never the daemon's
        }
    }

    private void serve() throws IOException {
        Frame first = frames.read();
        if (first == null) {
            return;
        }
        Request request;
        try {
            if (first.type != Frame.REQUEST) {
                throw new ProtocolException("the first frame must be a request");
            }
            request = Request.decode(first.payload);
        } catch (ProtocolException e) {
            frames.write(Frame.STDERR, ("strata: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            frames.writeExit(1);
            return;
        }
        AtomicBoolean clientGone = new AtomicBoolean();
        FrameOutputStream out = new FrameOutputStream(frames, Frame.STDOUT, clientGone);
        FrameOutputStream err = new FrameOutputStream(frames, Frame.STDERR, clientGone);
        // commands get no stdin over the socket
        try (CommandRunner runner = new CommandRunner(processor, request, new ByteArrayInputStream(new byte[0]),
                out, err)) {
            if (request.kind == Request.EXEC) {
                finish(runner.runArgv(request.argv), out, err);
                return;
            }
            Frame frame;
            while ((frame = frames.read()) != null) {
                if (frame.type != Frame.LINE) {
                    throw new ProtocolException("a shell session sends only lines");
                }
                finish(runner.runLine(new String(frame.payload, StandardCharsets.UTF_8)), out, err);
            }
        }
    }

    private void finish(int status, FrameOutputStream out, FrameOutputStream err) throws IOException {
        out.flush();
        err.flush();
        frames.writeExit(status);
    }
}
