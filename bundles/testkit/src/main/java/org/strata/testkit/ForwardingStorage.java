package org.strata.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/** A storage that passes every call to another: tests override what they want to change (fail, count, delay). */
public abstract class ForwardingStorage implements Storage {

    protected final Storage inner;

    protected ForwardingStorage(Storage inner) {
        this.inner = inner;
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
    public int memAlign() {
        return inner.memAlign();
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
