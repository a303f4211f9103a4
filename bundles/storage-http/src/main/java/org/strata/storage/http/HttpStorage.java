package org.strata.storage.http;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.strata.api.BlockStatus;
import org.strata.api.Buffers;
import org.strata.api.DaemonThreads;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * A read-only image behind an http:// or https:// URL. Reads are served from a bounded cache of blocks;
 * missing blocks are fetched with range requests, a few in parallel (each on its own kept-alive
 * HTTP/1.1 connection), and a long read keeps a window of block requests in flight ahead of its copying.
 */
final class HttpStorage implements Storage {

    private final String location;
    private final URI uri;
    private final long size;
    private final RangeClient client;
    private final int blockSize;
    private final int window;
    private final BlockCache cache;
    private final ThreadPoolExecutor fetchers;
    private volatile boolean closed;

    HttpStorage(String location, URI uri, long size, RangeClient client, HttpSettings settings) {
        this.location = location;
        this.uri = uri;
        this.size = size;
        this.client = client;
        this.blockSize = settings.blockSize();
        this.window = Math.min(2 * settings.connections(), settings.cacheBlocks());
        this.cache = new BlockCache(settings.cacheBlocks());
        this.fetchers = new ThreadPoolExecutor(settings.connections(), settings.connections(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), DaemonThreads.named("strata-http"));
        this.fetchers.allowCoreThreadTimeOut(true);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String driverName() {
        return "http";
    }

    @Override
    public long size() throws IOException {
        checkOpen();
        return size;
    }

    @Override
    public boolean isWritable() {
        return false;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        long end = Math.min(offset + dst.remaining(), size);
        long pos = offset;
        if (pos < end) {
            long next = pos / blockSize;
            long last = (end - 1) / blockSize;
            ArrayDeque<CompletableFuture<byte[]>> inFlight = new ArrayDeque<>();
            while (pos < end) {
                while (next <= last && inFlight.size() < window) {
                    inFlight.add(block(next++));
                }
                byte[] data = await(inFlight.poll(), pos);
                int from = (int) (pos % blockSize);
                int n = (int) Math.min(data.length - from, end - pos);
                dst.put(data, from, n);
                pos += n;
            }
        }
        Buffers.fillZero(dst);
    }

    private CompletableFuture<byte[]> block(long index) {
        return cache.get(index, i -> {
            long start = i * blockSize;
            int length = (int) Math.min(blockSize, size - start);
            try {
                return CompletableFuture.supplyAsync(() -> {
                    try {
                        if (closed) {
                            throw closedError();
                        }
                        return client.read(uri, start, length);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                }, fetchers);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(closedError());
            }
        });
    }

    private byte[] await(CompletableFuture<byte[]> f, long offset) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Could not read '" + location + "': interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith("Could not ")) {
                throw io;
            }
            String why = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            throw new IOException("Could not read '" + location + "' at offset " + offset + ": " + why, cause);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        throw readOnly();
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        throw readOnly();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        throw readOnly();
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw readOnly();
    }

    private UnsupportedFeatureException readOnly() {
        return new UnsupportedFeatureException("Could not write to '" + location + "': the http backend is read-only");
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
    }

    @Override
    public void sync() throws IOException {
        checkOpen();
    }

    @Override
    public BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        checkOpen();
        if (offset >= size) {
            return new BlockStatus(maxLength, false, true);
        }
        return new BlockStatus(Math.min(maxLength, size - offset), true, false);
    }

    /** Blocks held in the cache now (for tests of its bound). */
    int cachedBlocks() {
        return cache.size();
    }

    /** Stops fetching: queued fetches fail at once, running ones end within their timeout (no interrupts). */
    @Override
    public void close() {
        closed = true;
        fetchers.shutdown();
        cache.clear();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw closedError();
        }
    }

    private IOException closedError() {
        return new IOException("Could not read '" + location + "': the image is closed");
    }

    @Override
    public String toString() {
        return "http " + location;
    }
}
