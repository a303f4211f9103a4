package org.strata.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.strata.api.Align;
import org.strata.api.Buffers;
import org.strata.api.CacheMode;
import org.strata.api.Storage;

/**
 * What a local file and a host block device share: positional {@link FileChannel} I/O (with O_DIRECT when
 * {@link #align} is above 1, in which case every request that reaches this class is aligned), a native
 * descriptor for the calls the channel lacks (it also holds the image lock), fdatasync, the cache mode's
 * durability, and closing.
 */
abstract class FileStorage implements Storage {

    private static final int ZERO_CHUNK = 1 << 20;

    protected final Path path;
    protected final String location;
    protected final FileChannel channel;
    protected final int fd;
    protected final int align;
    private final boolean writable;
    private final ByteBuffer zeroes;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Once fdatasync failed on a cached file, the page cache may hide lost writes: every later sync fails. */
    private volatile IOException syncFailure;

    private volatile CacheMode cache = CacheMode.WRITEBACK;

    FileStorage(Path path, FileChannel channel, int fd, boolean writable, int align) {
        this.path = path;
        this.location = path.toString();
        this.channel = channel;
        this.fd = fd;
        this.writable = writable;
        this.align = align;
        this.zeroes = align > 1 ? Buffers.allocateAligned(ZERO_CHUNK, align).asReadOnlyBuffer() : null;
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String driverName() {
        return "file";
    }

    @Override
    public boolean isWritable() {
        return writable;
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
    public Optional<Path> localPath() {
        return Optional.of(path);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkOffset(offset);
        long pos = offset;
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
                // A short read ends at the end of the file; with O_DIRECT the next read would be misaligned.
                if (n == 0 || (dst.hasRemaining() && pos >= size())) {
                    break;
                }
            }
        } catch (IOException e) {
            throw FileErrors.ioFailure("Could not read", location, e);
        }
        Buffers.fillZero(dst);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWritable();
        checkOffset(offset);
        long pos = offset;
        try {
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
        } catch (IOException e) {
            throw FileErrors.ioFailure("Could not write to", location, e);
        }
    }

    /**
     * Copies from another local file in the kernel (copy_file_range): not with O_DIRECT on either side, and not
     * between kinds the kernel refuses (a block device, another file system on older kernels), where it copies
     * nothing and the caller reads and writes.
     */
    @Override
    public long copyFrom(Storage source, long sourceOffset, long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        if (!(source instanceof FileStorage from) || align > 1 || from.align > 1) {
            return 0;
        }
        long done = 0;
        try {
            while (done < length) {
                long n = Posix.copyFileRange(from.fd, sourceOffset + done, fd, offset + done, length - done);
                if (n == 0) {
                    break; // the source's end
                }
                done += n;
            }
        } catch (PosixException e) {
            if (!cannotCopy(e)) {
                throw FileErrors.ioFailure("Could not copy to", location, e);
            }
        }
        if (done > 0 && cache.writeThrough()) {
            sync(); // the native descriptor has no O_DSYNC
        }
        return done;
    }

    /** The kernel's refusals of a copy between these two files (rather than a failure of the copy). */
    private static boolean cannotCopy(PosixException e) {
        int errno = e.errno();
        return e.unsupported() || errno == Posix.EXDEV || errno == Posix.EINVAL || errno == Posix.EBADF;
    }

    /**
     * Writes zero bytes as data over the range. With O_DIRECT, a block the range covers only in part is read,
     * zeroed in that part and written back whole, so the file may grow to the next aligned end.
     */
    protected void writeZeroData(long offset, long length) throws IOException {
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long blockStart = Align.down(pos, align);
            if (pos != blockStart || end - pos < align) {
                ByteBuffer block = Buffers.allocateAligned(align, align);
                read(block, blockStart);
                int from = (int) (pos - blockStart);
                int to = (int) Math.min(align, end - blockStart);
                for (int i = from; i < to; i++) {
                    block.put(i, (byte) 0);
                }
                write(block.clear(), blockStart);
                pos = blockStart + to;
            } else {
                int n = (int) Math.min(ZERO_CHUNK, Align.down(end - pos, align));
                write(zeroChunk(n), pos);
                pos += n;
            }
        }
    }

    private ByteBuffer zeroChunk(int n) {
        return zeroes == null ? Buffers.zeroes(n) : zeroes.duplicate().limit(n);
    }

    @Override
    public void flush() throws IOException {
        checkOpen();
        // Positional channel I/O has no buffer of its own in the JVM.
    }

    /**
     * Set once, before the storage is handed out. The channel was opened with the mode's O_DIRECT and O_DSYNC;
     * here write-through covers the zeroing the channel does not do, and unsafe turns syncs into no-ops.
     */
    void useCacheMode(CacheMode mode) {
        this.cache = mode;
    }

    @Override
    public final void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        zeroRange(offset, length, mayUnmap);
        if (cache.writeThrough()) {
            // fallocate and the block device ioctls are not covered by O_DSYNC
            sync();
        }
    }

    /** {@link #writeZeroes}, without the durability of write-through modes. */
    protected abstract void zeroRange(long offset, long length, boolean mayUnmap) throws IOException;

    @Override
    public void sync() throws IOException {
        checkOpen();
        if (cache.ignoresFlushes()) {
            return;
        }
        IOException failed = syncFailure;
        if (failed != null) {
            throw FileErrors.ioFailure("Could not sync", location, failed);
        }
        try {
            channel.force(false);
        } catch (IOException e) {
            if (align == 1) {
                syncFailure = e;
            }
            throw FileErrors.ioFailure("Could not sync", location, e);
        }
    }

    @Override
    public long allocatedSize() throws IOException {
        checkOpen();
        try {
            return Posix.stat(fd).blocks() * 512;
        } catch (PosixException e) {
            throw FileErrors.ioFailure("Could not stat", location, e);
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } finally {
            // Closing the descriptor drops the image lock.
            Posix.close(fd);
        }
    }

    protected void checkOpen() throws IOException {
        if (closed.get()) {
            throw new IOException("Could not access '" + location + "': the image is closed");
        }
    }

    protected void checkWritable() throws IOException {
        checkOpen();
        if (!writable) {
            throw new IOException("Could not write to '" + location + "': the image is opened read-only");
        }
    }

    protected static void checkOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
    }

    protected static void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length < 0) {
            throw new IllegalArgumentException("invalid range " + offset + "+" + length);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " " + location;
    }
}
