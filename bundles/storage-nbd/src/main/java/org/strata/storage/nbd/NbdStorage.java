package org.strata.storage.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.Align;
import org.strata.api.BlockStatus;
import org.strata.api.Buffers;
import org.strata.api.CacheMode;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.api.UnsupportedFeatureException;
import org.strata.nbd.protocol.Nbd;

/**
 * An NBD export as a storage object. Thread-safe: requests of all threads share one connection, many in flight.
 * When the connection breaks (or the server announces a shutdown), the next operation reconnects once and the
 * interrupted operation is sent again; NBD requests are idempotent, so that is safe.
 */
final class NbdStorage implements Storage {

    private static final System.Logger LOG = System.getLogger("org.strata.storage.nbd");
    /** WRITE_ZEROES and TRIM lengths per request: whole gigabytes keep compact headers far from 32 bits. */
    private static final long MAX_EFFECT = 1L << 30;

    private final NbdUri uri;
    private final boolean writable;
    private final CacheMode cache;
    private final Duration timeout;
    private final boolean tryExtended;
    private final long size;
    private final Object reconnectLock = new Object();
    private volatile NbdConnection connection;
    private volatile boolean closed;

    private NbdStorage(NbdUri uri, StorageOptions options, Duration timeout, boolean tryExtended,
                       NbdConnection first) {
        this.uri = uri;
        this.writable = options.writable();
        this.cache = options.cache();
        this.timeout = timeout;
        this.tryExtended = tryExtended;
        this.connection = first;
        this.size = first.info.size();
    }

    static NbdStorage open(NbdUri uri, StorageOptions options, Duration timeout, boolean tryExtended)
            throws IOException {
        NbdConnection c = NbdConnection.open(uri, timeout, tryExtended);
        if (options.writable() && c.info.readOnly()) {
            c.close();
            throw new IOException(uri + ": the export is read-only");
        }
        return new NbdStorage(uri, options, timeout, tryExtended, c);
    }

    /** What the server agreed to (tests look at it). */
    Negotiated negotiated() {
        return connection.info;
    }

    @Override
    public String location() {
        return uri.toString();
    }

    @Override
    public String driverName() {
        return "nbd";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public int reqAlign() {
        return connection.info.minBlock();
    }

    // ------------------------------------------------------------------ connection and retry

    @FunctionalInterface
    private interface Operation {
        void run(NbdConnection c) throws IOException;
    }

    private void perform(Operation op) throws IOException {
        try {
            op.run(connection());
        } catch (ConnectionLost e) {
            if (closed) {
                throw e;
            }
            LOG.log(System.Logger.Level.INFO, () -> e.getMessage() + "; reconnecting");
            op.run(connection());
        }
    }

    private NbdConnection connection() throws IOException {
        if (closed) {
            throw new IOException(uri + ": the storage is closed");
        }
        NbdConnection c = connection;
        if (c.isAlive()) {
            return c;
        }
        synchronized (reconnectLock) {
            c = connection;
            if (c.isAlive()) {
                return c;
            }
            NbdConnection fresh = NbdConnection.open(uri, timeout, tryExtended);
            if (fresh.info.size() != size || (writable && fresh.info.readOnly())) {
                fresh.close();
                throw new IOException(uri + ": the export changed (size or read-only) while reconnecting");
            }
            connection = fresh;
            return fresh;
        }
    }

    // ------------------------------------------------------------------ data

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkOffset(offset);
        int total = dst.remaining();
        int inside = (int) Math.max(0, Math.min(total, size - offset));
        if (inside > 0) {
            ByteBuffer part = dst.slice(dst.position(), inside);
            perform(c -> c.awaitAll(c.submitSplit(Nbd.CMD_READ, 0, offset, part, true)));
        }
        dst.position(dst.position() + inside);
        Buffers.fillZero(dst);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWrite(offset, src.remaining());
        ByteBuffer data = src.slice();
        perform(c -> c.awaitAll(c.submitSplit(Nbd.CMD_WRITE, fua(c), offset, data, false)));
        flushUnlessFua();
        src.position(src.limit());
    }

    /**
     * In the write-through modes, the FUA flag for a write (data or zeroes) where the server takes it: the server
     * replies once the write is durable.
     */
    private int fua(NbdConnection c) {
        return cache.writeThrough() && c.info.has(Nbd.FLAG_SEND_FUA) ? Nbd.CMD_FLAG_FUA : 0;
    }

    /** In the write-through modes, a flush after a write the server could not take with FUA. */
    private void flushUnlessFua() throws IOException {
        if (cache.writeThrough() && !connection.info.has(Nbd.FLAG_SEND_FUA)) {
            sync();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWrite(offset, length);
        if (length == 0) {
            return;
        }
        if (!connection.info.has(Nbd.FLAG_SEND_WRITE_ZEROES)) {
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(Buffers.zeroChunk(), length - done);
                write(Buffers.zeroes(n), offset + done);
                done += n;
            }
            return;
        }
        int flags = mayUnmap ? 0 : Nbd.CMD_FLAG_NO_HOLE;
        perform(c -> ranged(c, Nbd.CMD_WRITE_ZEROES, flags | fua(c), offset, length));
        flushUnlessFua();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        long end = Math.min(size, offset + length);
        if (offset >= end || !connection.info.has(Nbd.FLAG_SEND_TRIM)) {
            return; // a discard is only a hint
        }
        perform(c -> ranged(c, Nbd.CMD_TRIM, 0, offset, end - offset));
    }

    /** A command without payload over a long range, as whole-block pieces of at most 1 GiB. */
    private static void ranged(NbdConnection c, int type, int flags, long offset, long length) throws IOException {
        long piece = MAX_EFFECT - MAX_EFFECT % c.info.minBlock();
        List<NbdConnection.Pending> requests = new ArrayList<>();
        try {
            for (long done = 0; done < length; done += piece) {
                requests.add(c.submit(type, flags, offset + done, Math.min(piece, length - done), null, null));
            }
        } catch (IOException e) {
            NbdConnection.abandon(requests);
            throw e;
        }
        c.awaitAll(requests);
    }

    @Override
    public void flush() {
        // the client buffers nothing; sync() asks the server to make writes durable
    }

    @Override
    public void sync() throws IOException {
        if (cache.ignoresFlushes()) {
            return;
        }
        if (connection.info.has(Nbd.FLAG_SEND_FLUSH)) {
            perform(c -> c.await(c.submit(Nbd.CMD_FLUSH, 0, 0, 0, null, null)));
        }
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        if (newSize != size) {
            throw new UnsupportedFeatureException(uri + ": an NBD export cannot be resized (size " + size + ")");
        }
    }

    @Override
    public BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        checkOffset(offset);
        if (offset >= size) {
            return new BlockStatus(maxLength, false, true);
        }
        Negotiated info = connection.info;
        if (info.allocationContext() < 0 || maxLength <= 0) {
            return new BlockStatus(maxLength, true, false);
        }
        // ask from the block boundary: the extent holding it holds offset too
        long start = Align.down(offset, info.minBlock());
        long length = Math.min(Math.min(maxLength, size - offset) + (offset - start), MAX_EFFECT);
        long[] extent = new long[2];
        perform(c -> {
            NbdConnection.Pending r = c.submit(Nbd.CMD_BLOCK_STATUS, 0, start, length, null, null);
            c.await(r);
            extent[0] = r.extentLength;
            extent[1] = r.extentFlags;
        });
        long n = Math.min(extent[0] - (offset - start), maxLength);
        if (n <= 0) {
            return new BlockStatus(maxLength, true, false); // the server said nothing usable for our context
        }
        return new BlockStatus(n, (extent[1] & Nbd.STATE_HOLE) == 0, (extent[1] & Nbd.STATE_ZERO) != 0);
    }

    // ------------------------------------------------------------------ checks and closing

    private static void checkOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
    }

    private void checkWritable() throws IOException {
        if (!writable) {
            throw new IOException(uri + ": opened read-only");
        }
    }

    private void checkWrite(long offset, long length) throws IOException {
        checkWritable();
        checkOffset(offset);
        if (length < 0 || offset + length > size) {
            throw new IOException(uri + ": cannot write past the end of the export (offset " + offset + ", length "
                    + length + ", export size " + size + ")");
        }
    }

    @Override
    public void close() {
        closed = true;
        connection.close();
    }

    @Override
    public String toString() {
        return "nbd " + uri;
    }
}
