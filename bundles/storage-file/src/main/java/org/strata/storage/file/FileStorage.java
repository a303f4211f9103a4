package org.strata.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import org.strata.api.Buffers;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/** A local file, read and written with positional {@link FileChannel} I/O. */
final class FileStorage implements Storage {

    private final Path path;
    private final FileChannel channel;
    private final boolean writable;

    private FileStorage(Path path, FileChannel channel, boolean writable) {
        this.path = path;
        this.channel = channel;
        this.writable = writable;
    }

    static Storage open(Path path, org.strata.api.StorageOptions options, boolean create) throws IOException {
        Set<StandardOpenOption> opts = EnumSet.of(StandardOpenOption.READ);
        if (options.writable()) {
            opts.add(StandardOpenOption.WRITE);
        }
        if (create) {
            opts.add(StandardOpenOption.CREATE);
            opts.add(StandardOpenOption.TRUNCATE_EXISTING);
        }
        FileChannel ch = FileErrors.open(path, opts);
        return new FileStorage(path, ch, options.writable());
    }

    @Override
    public String location() {
        return path.toString();
    }

    @Override
    public String driverName() {
        return "file";
    }

    @Override
    public long size() throws IOException {
        return channel.size();
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                Buffers.fillZero(dst);
                return;
            }
            pos += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(Buffers.zeroChunk(), length - done);
            write(Buffers.zeroes(n), offset + done);
            done += n;
        }
    }

    @Override
    public void discard(long offset, long length) {
        // Without hole punching, a discard is only a hint: keep the data.
    }

    @Override
    public void flush() {
        // Positional channel writes are not buffered in the JVM.
    }

    @Override
    public void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        long old = channel.size();
        if (newSize < old) {
            channel.truncate(newSize);
        } else if (newSize > old) {
            if (prealloc == Preallocation.FULL || prealloc == Preallocation.FALLOC) {
                writeZeroes(old, newSize - old, false);
            } else {
                channel.write(ByteBuffer.allocate(1), newSize - 1);
            }
        }
    }

    @Override
    public Optional<Path> localPath() {
        return Optional.of(path);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "file " + path;
    }
}
