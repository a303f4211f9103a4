package org.strata.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/** A storage object in memory, for tests (at most 1 GiB). Thread-safe. */
public final class MemoryStorage implements Storage {

    private static final long MAX = 1L << 30;

    private final String name;
    private final boolean writable;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private byte[] data;
    private long size;
    private volatile boolean closed;

    public MemoryStorage(String name, long size) {
        this(name, new byte[(int) size], true);
    }

    private MemoryStorage(String name, byte[] data, boolean writable) {
        this.name = name;
        this.data = data;
        this.size = data.length;
        this.writable = writable;
    }

    /** A read-only view sharing these bytes. */
    public MemoryStorage readOnlyView() {
        return new MemoryStorage(name, data, false);
    }

    /** A copy of the current content. */
    public byte[] toByteArray() {
        lock.readLock().lock();
        try {
            return java.util.Arrays.copyOf(data, (int) size);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public String location() {
        return name;
    }

    @Override
    public String driverName() {
        return "memory";
    }

    @Override
    public long size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkOpen();
        lock.readLock().lock();
        try {
            int n = dst.remaining();
            int inside = (int) Math.max(0, Math.min(n, size - offset));
            if (inside > 0) {
                dst.put(data, (int) offset, inside);
            }
            while (dst.hasRemaining()) {
                dst.put((byte) 0);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWritable();
        int n = src.remaining();
        lock.writeLock().lock();
        try {
            if (offset + n > size) {
                grow(offset + n);
            }
            src.get(data, (int) offset, n);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void grow(long newSize) throws IOException {
        if (newSize > MAX) {
            throw new IOException("memory storage limited to " + MAX + " bytes");
        }
        if (newSize > data.length) {
            data = java.util.Arrays.copyOf(data, (int) Math.max(newSize, Math.min(MAX, data.length * 2L)));
        }
        size = newSize;
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        lock.writeLock().lock();
        try {
            if (offset + length > size) {
                grow(offset + length);
            }
            java.util.Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        writeZeroes(offset, Math.max(0, Math.min(length, size() - offset)), true);
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
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        checkWritable();
        lock.writeLock().lock();
        try {
            if (newSize < size) {
                java.util.Arrays.fill(data, (int) newSize, (int) size, (byte) 0);
                size = newSize;
            } else {
                grow(newSize);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public BlockStatus blockStatus(long offset, long maxLength) {
        return new BlockStatus(maxLength, true, false);
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("storage " + name + " is closed");
        }
    }

    private void checkWritable() throws IOException {
        checkOpen();
        if (!writable) {
            throw new IOException("storage " + name + " is read-only");
        }
    }
}
