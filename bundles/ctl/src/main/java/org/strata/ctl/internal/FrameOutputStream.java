package org.strata.ctl.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

import org.strata.cli.wire.FrameChannel;

/**
 * A command's stdout or stderr, sent to the client as frames of one type. Buffered up to one frame; sent on
 * flush (the command's PrintStream flushes on every println). Once the client is gone, output is dropped
 * silently: the command runs to its end undisturbed (it is never interrupted, which could close images' file
 * channels for every user).
 */
final class FrameOutputStream extends OutputStream {

    private static final int CHUNK = 64 * 1024;

    private final FrameChannel frames;
    private final byte type;
    private final AtomicBoolean clientGone;
    private final byte[] buffer = new byte[CHUNK];
    private int count;

    FrameOutputStream(FrameChannel frames, byte type, AtomicBoolean clientGone) {
        this.frames = frames;
        this.type = type;
        this.clientGone = clientGone;
    }

    @Override
    public synchronized void write(int b) {
        if (count == buffer.length) {
            flush();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        while (len > 0) {
            if (count == buffer.length) {
                flush();
            }
            int n = Math.min(len, buffer.length - count);
            System.arraycopy(b, off, buffer, count, n);
            count += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public synchronized void flush() {
        if (count == 0) {
            return;
        }
        if (!clientGone.get()) {
            try {
                frames.write(type, buffer, 0, count);
            } catch (IOException e) {
                clientGone.set(true);
            }
        }
        count = 0;
    }

    @Override
    public void close() {
        flush();
    }
}
