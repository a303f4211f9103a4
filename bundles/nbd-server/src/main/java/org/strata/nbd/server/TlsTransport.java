package org.strata.nbd.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * TLS over a blocking socket channel with an {@link SSLEngine}: the reader thread unwraps while writers wrap
 * (the engine allows both at once), each side with its own buffers and lock.
 */
final class TlsTransport implements Transport {

    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final Object readLock = new Object();
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer netIn;  // ciphertext read but not yet unwrapped (write mode)
    private ByteBuffer appIn;  // plaintext unwrapped but not yet consumed (read mode)
    private ByteBuffer netOut; // scratch for wrap

    TlsTransport(SocketChannel channel, SSLEngine engine, ByteBuffer leftover) {
        this.channel = channel;
        this.engine = engine;
        engine.setUseClientMode(false);
        int packet = engine.getSession().getPacketBufferSize();
        netIn = ByteBuffer.allocate(Math.max(packet, leftover.remaining())).put(leftover);
        appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
        netOut = ByteBuffer.allocate(packet);
    }

    void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_WRAP -> wrapAndSend(NOTHING);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapOnce();
                case NEED_TASK -> runTasks();
                default -> {
                    return;
                }
            }
        }
    }

    @Override
    public void readFully(ByteBuffer dst) throws IOException {
        synchronized (readLock) {
            while (dst.hasRemaining()) {
                if (appIn.hasRemaining()) {
                    int n = Math.min(appIn.remaining(), dst.remaining());
                    dst.put(appIn.slice(appIn.position(), n));
                    appIn.position(appIn.position() + n);
                    continue;
                }
                unwrapOnce();
                // TLS 1.3 post-handshake messages (key updates) may need an answer
                HandshakeStatus hs = engine.getHandshakeStatus();
                while (hs == HandshakeStatus.NEED_TASK || hs == HandshakeStatus.NEED_WRAP) {
                    if (hs == HandshakeStatus.NEED_TASK) {
                        runTasks();
                    } else {
                        wrapAndSend(NOTHING);
                    }
                    hs = engine.getHandshakeStatus();
                }
            }
        }
    }

    /** Unwraps one TLS record into {@link #appIn}, reading from the socket as needed. */
    private void unwrapOnce() throws IOException {
        while (true) {
            netIn.flip();
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                netIn.compact();
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK -> {
                    return;
                }
                case CLOSED -> throw new EOFException("client closed the TLS session");
                case BUFFER_OVERFLOW -> {
                    ByteBuffer bigger = ByteBuffer.allocate(
                            appIn.remaining() + engine.getSession().getApplicationBufferSize());
                    appIn = bigger.put(appIn).flip();
                }
                case BUFFER_UNDERFLOW -> {
                    if (!netIn.hasRemaining()) {
                        ByteBuffer bigger = ByteBuffer.allocate(
                                Math.max(netIn.capacity() * 2, engine.getSession().getPacketBufferSize()));
                        netIn = bigger.put(netIn.flip());
                    }
                    if (channel.read(netIn) < 0) {
                        throw new EOFException("client closed the connection");
                    }
                }
                default -> throw new IOException("unexpected TLS state " + r.getStatus());
            }
        }
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        writeLock.lock();
        try {
            do {
                wrapAndSend(srcs);
            } while (hasRemaining(srcs));
        } finally {
            writeLock.unlock();
        }
    }

    private static boolean hasRemaining(ByteBuffer[] bufs) {
        for (ByteBuffer b : bufs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private void wrapAndSend(ByteBuffer[] srcs) throws IOException {
        writeLock.lock();
        try {
            while (true) {
                netOut.clear();
                SSLEngineResult r = engine.wrap(srcs, netOut);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    netOut = ByteBuffer.allocate(netOut.capacity() * 2);
                    continue;
                }
                netOut.flip();
                while (netOut.hasRemaining()) {
                    channel.write(netOut);
                }
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new IOException("TLS session closed");
                }
                return;
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    @Override
    public Transport startTls(SSLContext context) {
        throw new IllegalStateException("TLS is already running");
    }

    @Override
    public boolean isTls() {
        return true;
    }

    @Override
    public void close() {
        // Say goodbye (close_notify) unless a writer is stuck on a client that does not read.
        if (writeLock.tryLock()) {
            try {
                engine.closeOutbound();
                wrapAndSend(NOTHING);
            } catch (IOException | RuntimeException e) {
                // the peer may be gone already
            } finally {
                writeLock.unlock();
            }
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
