package org.strata.storage.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/** A storage that also stops the server behind it when closed. */
final class OwningStorage implements Storage {

    private final Storage inner;
    private final AutoCloseable server;

    OwningStorage(Storage inner, AutoCloseable server) {
        this.inner = inner;
        this.server = server;
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
    public int reqAlign() {
        return inner.reqAlign();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        inner.read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        inner.write(src, offset);
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
        try {
            inner.close();
        } finally {
            try {
                server.close();
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }
}
