package org.strata.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.strata.api.Align;
import org.strata.api.BlockStatus;
import org.strata.api.Buffers;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * Lets any request through to a storage that only takes aligned ones (a file opened with O_DIRECT):
 * unaligned reads go through an aligned bounce buffer, unaligned writes through read-modify-write.
 * A read-modify-write runs alone, so it never writes back stale bytes over a concurrent write.
 */
public final class AlignedStorage implements Storage {

    private static final int MAX_BOUNCE = 1 << 20;

    private final Storage inner;
    private final int align;
    private final ReentrantReadWriteLock rmw = new ReentrantReadWriteLock();

    /** @param align the offset, length and address alignment {@code inner} requires (a power of two) */
    AlignedStorage(Storage inner, int align) {
        this.inner = inner;
        this.align = align;
    }

    /**
     * {@code storage} as drivers may use it: behind an aligning wrapper when it takes only aligned requests
     * ({@link Storage#reqAlign()} or {@link Storage#memAlign()} above 1), else itself.
     */
    public static Storage forAnyRequest(Storage storage) {
        int align = Math.max(storage.reqAlign(), storage.memAlign());
        return align > 1 ? new AlignedStorage(storage, align) : storage;
    }

    private boolean aligned(ByteBuffer buf, long offset) {
        return Align.is(offset, align) && Align.is(buf.remaining(), align) && Buffers.isAligned(buf, align);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        if (aligned(dst, offset)) {
            inner.read(dst, offset);
            return;
        }
        while (dst.hasRemaining()) {
            long start = Align.down(offset, align);
            int skip = (int) (offset - start);
            int n = Math.min(dst.remaining(), MAX_BOUNCE - skip);
            int span = (int) Align.up(skip + n, align);
            ByteBuffer bounce = Buffers.allocateAligned(span, align);
            inner.read(bounce, start);
            dst.put(bounce.flip().position(skip).limit(skip + n));
            offset += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (aligned(src, offset)) {
            Lock l = rmw.readLock();
            l.lock();
            try {
                inner.write(src, offset);
            } finally {
                l.unlock();
            }
            return;
        }
        Lock l = rmw.writeLock();
        l.lock();
        try {
            long end = offset + src.remaining();
            long oldSize = inner.size();
            while (src.hasRemaining()) {
                long start = Align.down(offset, align);
                int skip = (int) (offset - start);
                int n = Math.min(src.remaining(), MAX_BOUNCE - skip);
                int span = (int) Align.up(skip + n, align);
                ByteBuffer bounce = Buffers.allocateAligned(span, align);
                if (skip != 0 || n != span) {
                    inner.read(bounce, start);
                    bounce.clear();
                }
                bounce.position(skip).put(Buffers.window(src, 0, n)).clear();
                inner.write(bounce, start);
                src.position(src.position() + n);
                offset += n;
            }
            // the last block went out whole: a write past the end leaves the storage ending where the write does
            if (end > oldSize && inner.size() > end) {
                inner.resize(end, Preallocation.OFF);
            }
        } finally {
            l.unlock();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        long start = Align.up(offset, align);
        long end = Math.max(start, Align.down(offset + length, align));
        writeZeroData(offset, Math.min(start, offset + length) - offset);
        if (end > start) {
            inner.writeZeroes(start, end - start, mayUnmap);
        }
        writeZeroData(Math.max(end, offset), offset + length - Math.max(end, offset));
    }

    private void writeZeroData(long offset, long length) throws IOException {
        if (length > 0) {
            write(ByteBuffer.allocateDirect((int) length), offset);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        long start = Align.up(offset, align);
        long end = Align.down(offset + length, align);
        if (end > start) {
            inner.discard(start, end - start);
        }
    }

    @Override
    public int reqAlign() {
        return align;
    }

    @Override
    public int memAlign() {
        return align;
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public String driverName() {
        return inner.driverName();
    }

    @Override
    public long size() throws IOException {
        return inner.size();
    }

    @Override
    public boolean isWritable() {
        return inner.isWritable();
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void sync() throws IOException {
        inner.sync();
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        inner.resize(newSize, prealloc);
    }

    @Override
    public boolean fixedSize() {
        return inner.fixedSize();
    }

    @Override
    public BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        return inner.blockStatus(offset, maxLength);
    }

    @Override
    public long allocatedSize() throws IOException {
        return inner.allocatedSize();
    }

    @Override
    public Optional<Path> localPath() {
        return inner.localPath();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
