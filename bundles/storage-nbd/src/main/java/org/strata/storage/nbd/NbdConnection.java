package org.strata.storage.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.strata.nbd.protocol.Nbd;
import org.strata.nbd.protocol.ProtocolViolation;
import org.strata.nbd.protocol.Request;

/**
 * One connection to an NBD export in the transmission phase. Any number of threads submit requests; each gets
 * a fresh cookie and waits for its own reply, which a reader thread matches by cookie. Read data goes straight
 * from the socket into the caller's buffer. Every wait has a timeout: a server that stops answering ends the
 * connection, and all its requests fail.
 */
final class NbdConnection implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("org.strata.storage.nbd");
    private static final int MAX_IN_FLIGHT = 64;
    /** Largest status or error chunk accepted (2^20 descriptors, the spec's recommended bound, and some). */
    private static final int MAX_METADATA_CHUNK = 16 << 20;

    final NbdUri uri;
    final Negotiated info;
    private final Channel channel;
    private final Duration timeout;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong cookies = new AtomicLong();
    private final Semaphore slots = new Semaphore(MAX_IN_FLIGHT);
    private final Thread reader;
    private volatile IOException failure;

    private NbdConnection(NbdUri uri, Negotiated info, Channel channel, Duration timeout) {
        this.uri = uri;
        this.info = info;
        this.channel = channel;
        this.timeout = timeout;
        this.reader = new Thread(this::readReplies, "strata-nbd-client " + uri);
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects and negotiates, all within {@code timeout}. */
    static NbdConnection open(NbdUri uri, Duration timeout, boolean tryExtended) throws IOException {
        Channel ch = Channel.connect(uri, timeout);
        ch.armDeadline(timeout);
        Negotiated n;
        try {
            n = new ClientHandshake(ch, uri, tryExtended).run();
        } catch (IOException e) {
            boolean expired = !ch.disarm();
            ch.close();
            if (expired) {
                throw new IOException(uri + ": no answer to the handshake within " + timeout.toSeconds() + " s", e);
            }
            throw e.getMessage() != null && e.getMessage().startsWith(uri.toString()) ? e
                    : new IOException(uri + ": handshake failed: " + e.getMessage(), e);
        }
        if (!ch.disarm()) {
            throw new IOException(uri + ": no answer to the handshake within " + timeout.toSeconds() + " s");
        }
        return new NbdConnection(uri, n, ch, timeout);
    }

    boolean isAlive() {
        return failure == null;
    }

    /** A request in flight. Its lock guards writes into {@link #dst} against the caller giving up on it. */
    static final class Pending {
        final long cookie;
        final int type;
        final long offset;
        final long length;
        final ByteBuffer dst;
        final CountDownLatch done = new CountDownLatch(1);
        volatile int error;
        volatile String message;
        volatile IOException failure;
        volatile long extentLength = -1;
        volatile long extentFlags;
        boolean abandoned; // guarded by this

        Pending(long cookie, int type, long offset, long length, ByteBuffer dst) {
            this.cookie = cookie;
            this.type = type;
            this.offset = offset;
            this.length = length;
            this.dst = dst;
        }
    }

    /** Sends a request; {@code dst} receives READ data (exactly {@code length} bytes), {@code payload} is WRITE data. */
    Pending submit(int type, int flags, long offset, long length, ByteBuffer payload, ByteBuffer dst)
            throws IOException {
        checkAlive();
        try {
            if (!slots.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                IOException e = new IOException(uri + ": no reply to " + MAX_IN_FLIGHT + " requests within "
                        + timeout.toSeconds() + " s");
                fail(e);
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(uri + ": interrupted");
        }
        long cookie = cookies.incrementAndGet();
        Pending r = new Pending(cookie, type, offset, length, dst);
        pending.put(cookie, r);
        if (failure != null) {
            complete(r);
            checkAlive();
        }
        int f = info.extended() && payload != null ? flags | Nbd.CMD_FLAG_PAYLOAD_LEN : flags;
        ByteBuffer header = new Request(f, type, cookie, offset, length).encode(info.extended());
        sendLock.lock();
        try {
            if (payload == null) {
                channel.write(header);
            } else {
                channel.write(header, payload);
            }
        } catch (IOException e) {
            fail(new ConnectionLost(uri + ": connection lost: " + e.getMessage(), e));
            checkAlive();
        } finally {
            sendLock.unlock();
        }
        return r;
    }

    /** Waits for the reply; throws the server's error, a timeout, or {@link ConnectionLost}. */
    void await(Pending r) throws IOException {
        boolean answered;
        try {
            answered = r.done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(List.of(r));
            throw new IOException(uri + ": interrupted");
        }
        if (!answered) {
            fail(new IOException(uri + ": no reply to " + Nbd.commandName(r.type) + " within "
                    + timeout.toSeconds() + " s"));
            abandon(List.of(r));
        }
        IOException f = r.failure;
        if (f != null) {
            throw f instanceof ConnectionLost ? new ConnectionLost(f.getMessage(), f) : new IOException(f.getMessage(), f);
        }
        if (r.error == Nbd.ESHUTDOWN) {
            // the server is going away: leave politely, and let the caller reconnect
            closeGracefully();
            throw new ConnectionLost(uri + ": the server is shutting down", null);
        }
        if (r.error != 0) {
            String m = r.message;
            throw new IOException(uri + ": " + Nbd.commandName(r.type) + " at offset " + r.offset + " failed: "
                    + Nbd.errorText(r.error) + (m == null || m.isBlank() ? "" : " (server: " + m + ")"));
        }
    }

    /** Waits for all; after a failure makes sure none of them still writes into a caller's buffer. */
    void awaitAll(List<Pending> requests) throws IOException {
        IOException first = null;
        for (Pending r : requests) {
            try {
                await(r);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            abandon(requests);
            throw first;
        }
    }

    /** Marks requests abandoned; waits for the reader to finish any copy into their buffers. */
    static void abandon(List<Pending> requests) {
        for (Pending r : requests) {
            synchronized (r) {
                r.abandoned = true;
            }
        }
    }

    private void checkAlive() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw f instanceof ConnectionLost ? new ConnectionLost(f.getMessage(), f) : new IOException(f.getMessage(), f);
        }
    }

    private void complete(Pending r) {
        if (pending.remove(r.cookie) != null) {
            slots.release();
        }
        r.done.countDown();
    }

    /** Ends the connection: every pending request fails with {@code cause}. */
    private void fail(IOException cause) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = cause;
        }
        channel.close();
        for (Pending r : pending.values()) {
            r.failure = cause;
            complete(r);
        }
    }

    // ------------------------------------------------------------------ the reader thread

    private void readReplies() {
        try {
            ByteBuffer magic = ByteBuffer.allocate(4);
            while (true) {
                magic.clear();
                channel.readFully(magic);
                switch (magic.flip().getInt()) {
                    case Nbd.SIMPLE_REPLY_MAGIC -> simpleReply();
                    case Nbd.STRUCTURED_REPLY_MAGIC -> {
                        ByteBuffer h = channel.read(16);
                        chunk(h.getShort() & 0xffff, h.getShort() & 0xffff, h.getLong(),
                                Integer.toUnsignedLong(h.getInt()));
                    }
                    case Nbd.EXTENDED_REPLY_MAGIC -> {
                        ByteBuffer h = channel.read(28);
                        int flags = h.getShort() & 0xffff;
                        int type = h.getShort() & 0xffff;
                        long cookie = h.getLong();
                        h.getLong(); // the request's offset, echoed
                        chunk(flags, type, cookie, h.getLong());
                    }
                    default -> throw protocol("bad reply magic 0x" + Integer.toHexString(magic.getInt(0)));
                }
            }
        } catch (ProtocolViolation e) {
            fail(e);
        } catch (IOException e) {
            boolean eof = e instanceof EOFException || e instanceof java.nio.channels.ClosedChannelException;
            fail(new ConnectionLost(uri + ": connection lost: " + (eof ? "the server closed it" : e.getMessage()), e));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, uri + ": reply reader failed", e);
            fail(new IOException(uri + ": " + e, e));
        }
    }

    private Pending lookup(long cookie) throws IOException {
        Pending r = pending.get(cookie);
        if (r == null) {
            throw protocol("reply for unknown cookie " + cookie);
        }
        return r;
    }

    private void simpleReply() throws IOException {
        ByteBuffer h = channel.read(12);
        int error = h.getInt();
        Pending r = lookup(h.getLong());
        if (r.type == Nbd.CMD_READ && error == 0) {
            if (info.structured() || info.extended()) {
                throw protocol("simple reply with data although structured replies were negotiated");
            }
            receive(r, 0, (int) r.length);
        }
        r.error = error;
        complete(r);
    }

    private void chunk(int flags, int type, long cookie, long length) throws IOException {
        Pending r = lookup(cookie);
        switch (type) {
            case Nbd.REPLY_TYPE_NONE -> {
                if (length != 0) {
                    throw protocol("NBD_REPLY_TYPE_NONE with a payload");
                }
            }
            case Nbd.REPLY_TYPE_OFFSET_DATA -> {
                if (r.type != Nbd.CMD_READ || length < 9) {
                    throw protocol("unexpected data chunk");
                }
                long at = channel.read(8).getLong() - r.offset;
                long n = length - 8;
                if (at < 0 || n > r.length - at) {
                    throw protocol("data chunk outside the request");
                }
                receive(r, (int) at, (int) n);
            }
            case Nbd.REPLY_TYPE_OFFSET_HOLE -> {
                if (r.type != Nbd.CMD_READ || length != 12) {
                    throw protocol("unexpected hole chunk");
                }
                ByteBuffer b = channel.read(12);
                long at = b.getLong() - r.offset;
                long n = Integer.toUnsignedLong(b.getInt());
                if (at < 0 || n == 0 || n > r.length - at) {
                    throw protocol("hole chunk outside the request");
                }
                synchronized (r) {
                    if (!r.abandoned) {
                        org.strata.api.Buffers.fillZero(r.dst.slice((int) at, (int) n));
                    }
                }
            }
            case Nbd.REPLY_TYPE_BLOCK_STATUS, Nbd.REPLY_TYPE_BLOCK_STATUS_EXT -> blockStatus(r, type, length);
            default -> {
                if (!Nbd.isErrorChunk(type)) {
                    throw protocol("unknown chunk type " + type);
                }
                errorChunk(r, length);
            }
        }
        if ((flags & Nbd.REPLY_FLAG_DONE) != 0) {
            complete(r);
        }
    }

    private void blockStatus(Pending r, int type, long length) throws IOException {
        boolean ext = type == Nbd.REPLY_TYPE_BLOCK_STATUS_EXT;
        int header = ext ? 8 : 4;
        int descriptor = ext ? 16 : 8;
        if (r.type != Nbd.CMD_BLOCK_STATUS || length > MAX_METADATA_CHUNK || length < header + descriptor
                || (length - header) % descriptor != 0) {
            throw protocol("malformed block status chunk");
        }
        ByteBuffer b = channel.read((int) length);
        long id = Integer.toUnsignedLong(b.getInt());
        if (ext) {
            b.getInt(); // descriptor count, implied by the length
        }
        long extent = ext ? b.getLong() : Integer.toUnsignedLong(b.getInt());
        long flags = ext ? b.getLong() : Integer.toUnsignedLong(b.getInt());
        if (extent <= 0) {
            throw protocol("empty block status extent");
        }
        if (id == info.allocationContext()) {
            r.extentLength = extent;
            r.extentFlags = flags;
        }
    }

    private void errorChunk(Pending r, long length) throws IOException {
        if (length < 6 || length > 65536) {
            throw protocol("malformed error chunk");
        }
        ByteBuffer b = channel.read((int) length);
        int error = b.getInt();
        int messageLength = b.getShort() & 0xffff;
        if (messageLength > b.remaining()) {
            throw protocol("error message longer than its chunk");
        }
        byte[] message = new byte[messageLength];
        b.get(message);
        r.error = error == 0 ? Nbd.EIO : error;
        r.message = new String(message, StandardCharsets.UTF_8);
    }

    /** Reads {@code n} bytes of the reply into the request's buffer at {@code at}, or drops them if abandoned. */
    private void receive(Pending r, int at, int n) throws IOException {
        synchronized (r) {
            if (!r.abandoned) {
                channel.readFully(r.dst.slice(at, n));
                return;
            }
        }
        channel.skip(n);
    }

    /** The server broke the protocol: the connection ends, and reconnecting would not help. */
    private ProtocolViolation protocol(String message) {
        return new ProtocolViolation(uri + ": protocol error: " + message);
    }

    // ------------------------------------------------------------------ closing

    /** Waits (a while) for requests in flight, sends NBD_CMD_DISC and closes. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty() && failure == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeGracefully();
    }

    private void closeGracefully() {
        if (failure == null && sendLock.tryLock()) {
            try {
                channel.write(new Request(0, Nbd.CMD_DISC, cookies.incrementAndGet(), 0, 0).encode(info.extended()));
            } catch (IOException e) {
                // going away anyway
            } finally {
                sendLock.unlock();
            }
        }
        fail(new ConnectionLost(uri + ": connection closed", null));
    }

    /** Requests for a range, split so no request exceeds the server's maximum payload. */
    List<Pending> submitSplit(int type, int flags, long offset, ByteBuffer data, boolean isRead) throws IOException {
        List<Pending> out = new ArrayList<>();
        int chunk = maxChunk();
        int total = data.remaining();
        try {
            for (int done = 0; done < total; done += chunk) {
                int n = Math.min(chunk, total - done);
                ByteBuffer part = data.slice(data.position() + done, n);
                out.add(isRead ? submit(type, flags, offset + done, n, null, part)
                        : submit(type, flags, offset + done, n, part, null));
            }
        } catch (IOException e) {
            abandon(out);
            throw e;
        }
        return out;
    }

    /** The largest READ/WRITE this connection sends: the server's maximum payload, whole blocks. */
    int maxChunk() {
        int max = info.maxPayload();
        return max - max % info.minBlock();
    }
}
