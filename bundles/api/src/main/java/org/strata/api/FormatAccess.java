package org.strata.api;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The I/O engine: all guest data I/O of an image, whatever its format, over the mappings its driver gives.
 *
 * <p>Reads fill the buffer completely (zeroes past the end); writes write everything or fail (never past
 * the end, never to a read-only image). A request spanning several mappings is split into sub-requests,
 * run in parallel up to {@link #setReadParallelization}/{@link #setWriteParallelization}.
 *
 * <p>Thread-safe. Reads and writes run concurrently; zeroing, discards, resizes and cache invalidation run
 * alone (a read/write lock), so nothing is freed while an in-flight request still uses it.
 */
public final class FormatAccess implements Closeable {

    private final FormatImage image;
    private final Closeable resources;
    private final Executor executor;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile int readParallelization = 1;
    private volatile int writeParallelization = 1;
    private volatile boolean closed;

    /** An access to {@code image} that closes nothing else when closed. */
    public FormatAccess(FormatImage image) {
        this(image, () -> { }, IoThreads.executor());
    }

    /**
     * @param resources closed after the image: the storages and backing images its opener opened for it
     * @param executor  runs parallel sub-requests
     */
    public FormatAccess(FormatImage image, Closeable resources, Executor executor) {
        this.image = image;
        this.resources = resources;
        this.executor = executor;
    }

    public FormatImage image() {
        return image;
    }

    public String formatName() {
        return image.formatName();
    }

    public long size() {
        return image.size();
    }

    public boolean isWritable() {
        return image.isWritable();
    }

    /** Offset and length alignment that avoids read-modify-write anywhere in the chain. */
    public int reqAlign() {
        int align = 1;
        for (Storage s : image.storages()) {
            align = Math.max(align, s.reqAlign());
        }
        FormatAccess backing = image.backing();
        return backing == null ? align : Math.max(align, backing.reqAlign());
    }

    /** Buffer address alignment that avoids bounce buffers anywhere in the chain. */
    public int memAlign() {
        int align = 1;
        for (Storage s : image.storages()) {
            align = Math.max(align, s.memAlign());
        }
        FormatAccess backing = image.backing();
        return backing == null ? align : Math.max(align, backing.memAlign());
    }

    /** How many sub-requests of one read may run at once (1: one after the other). */
    public void setReadParallelization(int n) {
        readParallelization = Math.max(1, n);
    }

    /** How many sub-requests of one write may run at once (1: one after the other). */
    public void setWriteParallelization(int n) {
        writeParallelization = Math.max(1, n);
    }

    // ---------------------------------------------------------------- mappings

    /** What this layer alone has at {@code offset}, for at most {@code maxLength} bytes. */
    public ShallowMapping getShallowMapping(long offset, long maxLength) throws IOException {
        ensureOpen();
        if (offset < 0 || maxLength <= 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + maxLength);
        }
        long size = image.size();
        if (offset >= size) {
            return new ShallowMapping.Eof(maxLength);
        }
        ShallowMapping m = image.getMapping(offset, Math.min(maxLength, size - offset));
        if (m.length() <= 0) {
            throw new IllegalStateException(formatName() + " driver returned an empty mapping at " + offset);
        }
        return m;
    }

    /** What a guest reads at {@code offset}, resolved down the backing chain, for at most {@code maxLength} bytes. */
    public Mapping getMapping(long offset, long maxLength) throws IOException {
        FormatAccess layer = this;
        long layerOffset = offset;
        long length = maxLength;
        int depth = 0;
        while (true) {
            ShallowMapping m = layer.getShallowMapping(layerOffset, length);
            length = Math.min(length, m.length());
            if (m instanceof ShallowMapping.Raw r) {
                return new Mapping.Raw(r.storage(), r.offset(), length, r.writable() && depth == 0, depth);
            } else if (m instanceof ShallowMapping.Indirect i) {
                layer = i.layer();
                layerOffset = i.offset();
                depth++;
            } else if (m instanceof ShallowMapping.Zero z) {
                return new Mapping.Zero(z.explicit() && depth == 0, length, depth);
            } else if (m instanceof ShallowMapping.Eof) {
                return depth == 0 ? new Mapping.Eof(length, 0) : new Mapping.Zero(false, length, depth);
            } else {
                ShallowMapping.Special s = (ShallowMapping.Special) m;
                return new Mapping.Special(layer, s.offset(), length, depth);
            }
        }
    }

    /** Makes the range start with a writable raw mapping in this layer (allocating, copying on write). */
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        checkWrite(offset, length);
        Lock l = lock.readLock();
        l.lock();
        try {
            return ensureDataMappingLocked(offset, length, overwrite);
        } finally {
            l.unlock();
        }
    }

    private ShallowMapping.Raw ensureDataMappingLocked(long offset, long length, boolean overwrite)
            throws IOException {
        ShallowMapping.Raw raw = image.ensureDataMapping(offset, length, overwrite);
        if (raw.length() <= 0 || !raw.writable()) {
            throw new IllegalStateException(formatName() + " driver returned no writable mapping at " + offset);
        }
        return raw;
    }

    // ---------------------------------------------------------------- data I/O

    /** Reads {@code dst.remaining()} bytes at {@code offset}; bytes past the end read as zeroes. */
    public void read(ByteBuffer dst, long offset) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        Lock l = lock.readLock();
        l.lock();
        try {
            int total = dst.remaining();
            if (total == 0) {
                return;
            }
            Mapping first = getMapping(offset, total);
            if (first.length() >= total) {
                // the common case: one mapping covers the request, no sub-requests to split or run in parallel
                readMapping(first, dst);
            } else {
                readSplit(dst, offset, first);
            }
        } finally {
            l.unlock();
        }
        dst.position(dst.limit());
    }

    private void readSplit(ByteBuffer dst, long offset, Mapping first) throws IOException {
        try (Batch batch = new Batch(readParallelization)) {
            int total = dst.remaining();
            int done = 0;
            Mapping m = first;
            while (true) {
                int n = (int) m.length();
                ByteBuffer part = Buffers.window(dst, done, n);
                Mapping current = m;
                batch.run(() -> readMapping(current, part));
                done += n;
                if (done >= total) {
                    break;
                }
                m = getMapping(offset + done, total - done);
            }
        }
    }

    /** Reads into the buffers one after the other, starting at {@code offset}. */
    public void read(ByteBuffer[] dsts, long offset) throws IOException {
        long pos = offset;
        for (ByteBuffer dst : dsts) {
            int n = dst.remaining();
            read(dst, pos);
            pos += n;
        }
    }

    private static void readMapping(Mapping m, ByteBuffer dst) throws IOException {
        if (m instanceof Mapping.Raw r) {
            r.storage().read(dst, r.offset());
        } else if (m instanceof Mapping.Special s) {
            s.layer().image().readSpecial(dst, s.offset());
        } else {
            Buffers.fillZero(dst);
        }
    }

    /** Writes all of {@code src} at {@code offset}. */
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWrite(offset, src.remaining());
        Lock l = lock.readLock();
        l.lock();
        try {
            writeLocked(src, offset);
        } finally {
            l.unlock();
        }
    }

    /** Writes the buffers one after the other, starting at {@code offset}. */
    public void write(ByteBuffer[] srcs, long offset) throws IOException {
        long pos = offset;
        for (ByteBuffer src : srcs) {
            int n = src.remaining();
            write(src, pos);
            pos += n;
        }
    }

    private void writeLocked(ByteBuffer src, long offset) throws IOException {
        int total = src.remaining();
        if (total == 0) {
            return;
        }
        ShallowMapping first = getShallowMapping(offset, total);
        if (first instanceof ShallowMapping.Raw r && r.writable() && r.length() >= total) {
            // the common case: the range is already writable in place as a whole
            r.storage().write(src, r.offset());
        } else {
            writeSplit(src, offset, first);
        }
        src.position(src.limit());
    }

    private void writeSplit(ByteBuffer src, long offset, ShallowMapping first) throws IOException {
        try (Batch batch = new Batch(writeParallelization)) {
            int total = src.remaining();
            int done = 0;
            ShallowMapping m = first;
            while (true) {
                long pos = offset + done;
                int remaining = total - done;
                ShallowMapping.Raw raw = m instanceof ShallowMapping.Raw r && r.writable()
                        ? r : ensureDataMappingLocked(pos, remaining, true);
                int n = (int) Math.min(raw.length(), remaining);
                ByteBuffer part = Buffers.window(src, done, n);
                batch.run(() -> raw.storage().write(part, raw.offset()));
                done += n;
                if (done >= total) {
                    break;
                }
                m = getShallowMapping(offset + done, total - done);
            }
        }
    }

    /** Writes one cluster compressed; see {@link FormatImage#writeCompressed}. */
    public void writeCompressed(ByteBuffer src, long offset) throws IOException {
        checkWrite(offset, src.remaining());
        Lock l = lock.readLock();
        l.lock();
        try {
            image.writeCompressed(src, offset);
        } finally {
            l.unlock();
        }
    }

    public CompletableFuture<Void> readAsync(ByteBuffer dst, long offset) {
        return async(() -> read(dst, offset));
    }

    public CompletableFuture<Void> writeAsync(ByteBuffer src, long offset) {
        return async(() -> write(src, offset));
    }

    public CompletableFuture<Void> flushAsync() {
        return async(this::flush);
    }

    private CompletableFuture<Void> async(IoTask task) {
        return CompletableFuture.runAsync(() -> {
            try {
                task.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }

    // ---------------------------------------------------------------- zeroes and discards

    /** Makes the range read as zeroes, keeping it allocated (format metadata where it can, zero data otherwise). */
    public void writeZeroes(long offset, long length) throws IOException {
        zeroRange(offset, length, false);
    }

    /** Makes the range read as zeroes, deallocating what the format and storage can. */
    public void discardToZero(long offset, long length) throws IOException {
        zeroRange(offset, length, true);
    }

    private void zeroRange(long offset, long length, boolean unmap) throws IOException {
        checkWrite(offset, length);
        exclusively(() -> {
            long[] middle = alignedMiddle(offset, length);
            if (middle == null) {
                writeZeroData(offset, length);
                return;
            }
            writeZeroData(offset, middle[0] - offset);
            long n = middle[1] - middle[0];
            boolean done = unmap ? image.discardToZero(middle[0], n) : image.ensureZeroMapping(middle[0], n);
            if (!done) {
                writeZeroData(middle[0], n);
            }
            writeZeroData(middle[1], offset + length - middle[1]);
        });
    }

    /** Deallocates what it can of the range; afterwards the range may read as anything. */
    public void discardToAny(long offset, long length) throws IOException {
        checkWrite(offset, length);
        exclusively(() -> {
            long[] middle = alignedMiddle(offset, length);
            if (middle != null) {
                image.discardToAny(middle[0], middle[1] - middle[0]);
            }
        });
    }

    /**
     * Makes the range read what the backing image has there (zeroes without one): unallocates it in this layer,
     * copying the backing data into the unaligned edges.
     */
    public void discardToBacking(long offset, long length) throws IOException {
        checkWrite(offset, length);
        exclusively(() -> {
            long[] middle = alignedMiddle(offset, length);
            if (middle == null) {
                copyFromBacking(offset, length);
                return;
            }
            copyFromBacking(offset, middle[0] - offset);
            image.discardToBacking(middle[0], middle[1] - middle[0]);
            copyFromBacking(middle[1], offset + length - middle[1]);
        });
    }

    /** The part of [offset, offset+length) aligned to the zero granularity (the image end counts as aligned). */
    private long[] alignedMiddle(long offset, long length) {
        long g = image.zeroGranularity();
        long end = offset + length;
        long start = Align.up(offset, g);
        long alignedEnd = end == image.size() ? end : Align.down(end, g);
        return start < alignedEnd ? new long[] {start, alignedEnd} : null;
    }

    private void writeZeroData(long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(Buffers.zeroChunk(), length - done);
            writeLocked(Buffers.zeroes(n), offset + done);
            done += n;
        }
    }

    private void copyFromBacking(long offset, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        FormatAccess backing = image.backing();
        if (backing == null) {
            writeZeroData(offset, length);
            return;
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) length);
        backing.read(buf, offset);
        writeLocked(buf.flip(), offset);
    }

    // ---------------------------------------------------------------- caches, size, lifetime

    /** Writes back cached metadata and hands every buffered write to the storages. */
    public void flush() throws IOException {
        ensureOpen();
        writeBack(false);
    }

    /** {@link #flush()}, then makes everything durable. */
    public void sync() throws IOException {
        ensureOpen();
        writeBack(true);
    }

    private void writeBack(boolean durable) throws IOException {
        image.flush();
        for (Storage s : image.storages()) {
            s.flush();
            if (durable) {
                s.sync();
            }
        }
    }

    /** Drops cached metadata (after someone else changed the image). */
    public void invalidateCache() throws IOException {
        ensureOpen();
        exclusively(image::invalidateCache);
    }

    /** Changes the guest-visible size; a grown range is allocated as {@code prealloc} says. */
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        ensureOpen();
        if (!isWritable()) {
            throw new UnsupportedFeatureException("Image is read-only");
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        exclusively(() -> image.resize(newSize, prealloc));
    }

    /** Grows the image; refuses to shrink it. */
    public void resizeGrow(long newSize, Preallocation prealloc) throws IOException {
        if (newSize < size()) {
            throw new IllegalArgumentException("Cannot grow to " + newSize + ": the image is larger");
        }
        resize(newSize, prealloc);
    }

    /** Shrinks the image; refuses to grow it. */
    public void resizeShrink(long newSize) throws IOException {
        if (newSize > size()) {
            throw new IllegalArgumentException("Cannot shrink to " + newSize + ": the image is smaller");
        }
        resize(newSize, Preallocation.OFF);
    }

    /**
     * Makes what was written durable (as QEMU does on close: a no-op for storages in cache mode unsafe), closes the
     * image, then what its opener opened for it. Later calls do nothing.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        Lock l = lock.writeLock();
        l.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try (resources; image) {
                if (image.isWritable()) {
                    writeBack(true);
                }
            }
        } finally {
            l.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return formatName() + " image, " + size() + " bytes";
    }

    private void exclusively(IoTask task) throws IOException {
        Lock l = lock.writeLock();
        l.lock();
        try {
            ensureOpen();
            task.run();
        } finally {
            l.unlock();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Image is closed");
        }
    }

    private void checkWrite(long offset, long length) throws IOException {
        ensureOpen();
        if (!isWritable()) {
            throw new UnsupportedFeatureException("Image is read-only");
        }
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
        }
        if (offset + length > size()) {
            throw new IOException("Request beyond the end of the image (offset " + offset + ", length " + length
                    + ", image size " + size() + ")");
        }
    }

    /** A unit of I/O that may throw. */
    @FunctionalInterface
    interface IoTask {
        void run() throws IOException;
    }

    /**
     * Runs sub-requests inline (parallelism 1) or on the executor with at most {@code parallelism} at once;
     * {@link #close()} waits for all and rethrows the first failure. Tasks are never cancelled (interrupting
     * a thread in FileChannel I/O would close the channel for everyone).
     */
    private final class Batch implements AutoCloseable {
        private final int parallelism;
        private final java.util.concurrent.Semaphore slots;
        private final java.util.List<CompletableFuture<Void>> running = new java.util.ArrayList<>();
        private IOException failure;

        Batch(int parallelism) {
            this.parallelism = parallelism;
            this.slots = parallelism > 1 ? new java.util.concurrent.Semaphore(parallelism) : null;
        }

        void run(IoTask task) throws IOException {
            if (parallelism <= 1) {
                task.run();
                return;
            }
            slots.acquireUninterruptibly();
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    task.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    slots.release();
                }
            }, executor));
        }

        @Override
        public void close() throws IOException {
            for (CompletableFuture<Void> f : running) {
                try {
                    f.join();
                } catch (java.util.concurrent.CompletionException e) {
                    Throwable cause = e.getCause();
                    if (failure == null) {
                        failure = cause instanceof UncheckedIOException u ? u.getCause()
                                : new IOException(cause.getMessage(), cause);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
