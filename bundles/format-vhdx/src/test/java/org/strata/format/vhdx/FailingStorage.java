package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/** A storage whose writes to one range fail, as a crash would stop them: to leave images mid-update. */
final class FailingStorage implements Storage {

    private final Storage inner;
    private final long from;
    private final long to;

    FailingStorage(Storage inner, long from, long to) {
        this.inner = inner;
        this.from = from;
        this.to = to;
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (offset < to && offset + src.remaining() > from) {
            throw new IOException("injected failure writing at " + offset);
        }
        inner.write(src, offset);
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
    public void read(ByteBuffer dst, long offset) throws IOException {
        inner.read(dst, offset);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        inner.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
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
    public BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        return inner.blockStatus(offset, maxLength);
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
