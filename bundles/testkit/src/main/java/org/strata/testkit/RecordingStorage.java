package org.strata.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * A storage that records every change and sync that reaches it in a {@link WriteLog} (for power-cut tests), and
 * passes every call on. A change is recorded as issued before it is passed on and as completed when that returns.
 */
public final class RecordingStorage extends ForwardingStorage {

    private final WriteLog log;

    /** Records the changes to {@code inner} from now on; its present content is the starting point. */
    public RecordingStorage(Storage inner, WriteLog log) throws IOException {
        super(inner);
        this.log = log;
        if (!log.tracks(location())) {
            long size = inner.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException("too large to record: " + location());
            }
            ByteBuffer content = ByteBuffer.allocate((int) size);
            inner.read(content, 0);
            log.track(location(), content.array());
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        byte[] data = new byte[src.remaining()];
        src.duplicate().get(data);
        Object change = log.writing(location(), offset, data, data.length);
        inner.write(src, offset);
        log.completed(change);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        Object change = log.writing(location(), offset, null, length);
        inner.writeZeroes(offset, length, mayUnmap);
        log.completed(change);
    }

    /** Recorded as zeroes: what a discarded range of a file reads (a punched hole). */
    @Override
    public void discard(long offset, long length) throws IOException {
        Object change = log.writing(location(), offset, null, length);
        inner.discard(offset, length);
        log.completed(change);
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        Object change = log.resizing(location(), newSize);
        inner.resize(newSize, prealloc);
        log.completed(change);
    }

    @Override
    public void sync() throws IOException {
        long began = log.syncBegins();
        inner.sync();
        log.syncReturned(location(), began);
    }
}
