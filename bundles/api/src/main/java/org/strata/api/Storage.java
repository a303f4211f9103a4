package org.strata.api;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A byte-addressed storage object: a file, a block device, a remote export.
 *
 * <p>Implementations are thread-safe: any number of threads may read and write at once.
 * A storage whose {@link #reqAlign()} is 1 accepts requests of any offset, length and buffer. One that needs
 * more (a file opened with O_DIRECT, an NBD export with a minimum block size) may accept only requests whose
 * offset, length and buffer address are aligned to it: the agent puts a bounce-buffer and read-modify-write
 * layer in front of such a storage before any driver sees it, so drivers send requests of any shape and
 * backends never align them themselves.
 */
public interface Storage extends Closeable {

    /** The location this storage was opened with (a path, a URL), for messages and relative references. */
    String location();

    /** The storage driver that opened this storage, e.g. {@code file}. */
    String driverName();

    long size() throws IOException;

    boolean isWritable();

    /** Offset and length alignment requests must have (see above); 1 when none. */
    default int reqAlign() {
        return 1;
    }

    /** Buffer address alignment requests must have (see above); 1 when none. */
    default int memAlign() {
        return 1;
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset}; bytes past the end read as zeroes. */
    void read(ByteBuffer dst, long offset) throws IOException;

    /** Writes all of {@code src} at {@code offset}, growing the storage when it writes past the end. */
    void write(ByteBuffer src, long offset) throws IOException;

    /**
     * Copies bytes from {@code source} into this storage without passing them through the caller (on a local file:
     * the kernel's copy_file_range, which may share the blocks on file systems that can). Copies at most
     * {@code length} bytes from {@code sourceOffset} to {@code offset} and returns how many it copied, from the start
     * of the range: fewer at the source's end, and 0 when this storage cannot copy from that one (another kind of
     * storage, O_DIRECT), so the caller reads and writes instead.
     */
    default long copyFrom(Storage source, long sourceOffset, long offset, long length) throws IOException {
        return 0;
    }

    /**
     * Makes the range read as zeroes. With {@code mayUnmap} the backend may deallocate it (punch a hole);
     * without, the range stays allocated.
     */
    void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException;

    /** Tells the backend the range is unused; afterwards it reads as anything (often zeroes). */
    void discard(long offset, long length) throws IOException;

    /** Hands buffered writes over to the backend (a no-op where writes are not buffered). */
    void flush() throws IOException;

    /** Makes every completed write durable (fdatasync). */
    void sync() throws IOException;

    /** Grows or shrinks to {@code newSize}; a grown range is allocated as {@code prealloc} says. */
    void resize(long newSize, Preallocation prealloc) throws IOException;

    /**
     * Whether the size is fixed (a host block device): {@link #resize} accepts only the present size, so whatever
     * is placed on the storage must fit in it, and its bytes past what was written are not zeroes.
     */
    default boolean fixedSize() {
        return false;
    }

    /** Allocation status of the range starting at {@code offset}, at most {@code maxLength} long. */
    default BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        return new BlockStatus(maxLength, true, false);
    }

    /** Bytes the storage occupies on the host (a file's allocated blocks), or -1 when unknown. */
    default long allocatedSize() throws IOException {
        return -1;
    }

    /** The local path, for storages that are local files or devices. */
    default Optional<Path> localPath() {
        return Optional.empty();
    }
}
