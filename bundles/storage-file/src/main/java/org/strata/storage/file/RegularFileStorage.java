package org.strata.storage.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;

/**
 * A regular file: zeroing and discarding punch holes where the file system allows, preallocation through
 * fallocate, and allocation status from SEEK_DATA/SEEK_HOLE. Where the file system lacks a call
 * (EOPNOTSUPP), zeroes are written instead, and a discard keeps the data.
 */
final class RegularFileStorage extends FileStorage {

    // Cleared once the file system said it lacks the call, so it is not asked again.
    private volatile boolean canPunchHoles = true;
    private volatile boolean canZeroRanges = true;
    private volatile boolean canFallocate = true;
    private volatile boolean canSeekHoles = true;

    RegularFileStorage(Path path, FileChannel channel, int fd, boolean writable, int align) {
        super(path, channel, fd, writable, align);
    }

    @Override
    public long size() throws IOException {
        checkOpen();
        try {
            return channel.size();
        } catch (IOException e) {
            throw FileErrors.ioFailure("Could not get the size of", location, e);
        }
    }

    @Override
    protected void zeroRange(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        try {
            if (mayUnmap && canPunchHoles) {
                try {
                    Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, length);
                    growTo(offset + length);
                    return;
                } catch (PosixException e) {
                    canPunchHoles = rethrowUnlessUnsupported(e);
                }
            }
            if (canZeroRanges) {
                try {
                    // Without KEEP_SIZE, a range past the end grows the file, as a write would.
                    Posix.fallocate(fd, Posix.FALLOC_FL_ZERO_RANGE, offset, length);
                    return;
                } catch (PosixException e) {
                    canZeroRanges = rethrowUnlessUnsupported(e);
                }
            }
        } catch (PosixException e) {
            throw FileErrors.ioFailure("Could not write zeroes to", location, e);
        }
        writeZeroData(offset, length);
    }

    /**
     * Makes the file at least {@code end} long, reading as zeroes. fallocate of the last byte never shrinks
     * the file nor touches data, so it is safe against a concurrent write past the end (a truncate is not).
     */
    private void growTo(long end) throws IOException {
        if (end <= size()) {
            return;
        }
        if (canFallocate) {
            try {
                Posix.fallocate(fd, 0, end - 1, 1);
                return;
            } catch (PosixException e) {
                canFallocate = rethrowUnlessUnsupported(e);
            }
        }
        long from = size();
        if (end > from) {
            writeZeroData(from, end - from);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        long end = Math.min(offset + length, size());
        if (end <= offset || !canPunchHoles) {
            return;
        }
        try {
            Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, end - offset);
        } catch (PosixException e) {
            canPunchHoles = rethrowUnlessUnsupported(e);
            // A discard is a hint: without hole punching the data stays.
        }
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        checkWritable();
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        long old = size();
        if (newSize < old) {
            try {
                channel.truncate(newSize);
            } catch (IOException e) {
                throw FileErrors.ioFailure("Could not resize", location, e);
            }
        } else if (newSize > old) {
            try {
                grow(old, newSize, prealloc);
            } catch (PosixException e) {
                throw FileErrors.ioFailure("Could not resize", location, e);
            }
        }
    }

    private void grow(long old, long newSize, Preallocation prealloc) throws IOException {
        switch (prealloc) {
            case OFF, METADATA -> Posix.ftruncate(fd, newSize);
            case FALLOC -> {
                if (canFallocate) {
                    try {
                        Posix.fallocate(fd, 0, old, newSize - old);
                        return;
                    } catch (PosixException e) {
                        canFallocate = rethrowUnlessUnsupported(e);
                    }
                }
                preallocateZeroes(old, newSize);
            }
            case FULL -> preallocateZeroes(old, newSize);
        }
    }

    private void preallocateZeroes(long old, long newSize) throws IOException {
        writeZeroData(old, newSize - old);
        if (size() != newSize) {
            // O_DIRECT wrote the last block whole.
            Posix.ftruncate(fd, newSize);
        }
    }

    @Override
    public BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        checkOpen();
        checkRange(offset, maxLength);
        if (maxLength == 0) {
            return new BlockStatus(0, false, false);
        }
        long end = offset + maxLength;
        if (offset >= size()) {
            return new BlockStatus(maxLength, false, true);
        }
        if (!canSeekHoles) {
            return new BlockStatus(maxLength, true, false);
        }
        try {
            long data = Posix.seekData(fd, offset);
            if (data < 0) {
                return new BlockStatus(maxLength, false, true);
            }
            if (data > offset) {
                return new BlockStatus(Math.min(data, end) - offset, false, true);
            }
            long hole = Posix.seekHole(fd, offset);
            return new BlockStatus(Math.max(1, Math.min(hole, end) - offset), true, false);
        } catch (PosixException e) {
            if (e.unsupported() || e.errno() == Posix.EINVAL) {
                canSeekHoles = false;
                return new BlockStatus(maxLength, true, false);
            }
            throw FileErrors.ioFailure("Could not get the block status of", location, e);
        }
    }

    /** Returns false for "the file system lacks this call"; rethrows every other failure. */
    private static boolean rethrowUnlessUnsupported(PosixException e) throws PosixException {
        if (e.unsupported()) {
            return false;
        }
        throw e;
    }
}
