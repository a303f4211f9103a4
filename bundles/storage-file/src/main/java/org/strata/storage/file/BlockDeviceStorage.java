package org.strata.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import org.strata.api.Align;
import org.strata.api.Preallocation;

/**
 * A host block device ({@code /dev/...}): its size comes from BLKGETSIZE64 (the channel reports 0), zeroing
 * goes through fallocate (may unmap) or BLKZEROOUT, a discard through BLKDISCARD, and its size is fixed
 * ({@link #fixedSize()}).
 * The ioctls take whole logical blocks; the unaligned edges of a range are written as zero data.
 */
final class BlockDeviceStorage extends FileStorage {

    private final int sectorSize;
    private volatile boolean canUnmapZeroes = true;
    private volatile boolean canZeroOut = true;
    private volatile boolean canDiscard = true;

    BlockDeviceStorage(Path path, FileChannel channel, int fd, boolean writable, int align, int sectorSize) {
        super(path, channel, fd, writable, align);
        this.sectorSize = sectorSize;
    }

    @Override
    public boolean fixedSize() {
        return true;
    }

    @Override
    public long size() throws IOException {
        checkOpen();
        try {
            return Posix.blockDeviceSize(fd);
        } catch (PosixException e) {
            throw FileErrors.ioFailure("Could not get the size of", location, e);
        }
    }

    /** Refused whole when it ends past the end of the device: nothing of it is written. */
    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWritable();
        checkWithinDevice("write to", offset, src.remaining());
        super.write(src, offset);
    }

    @Override
    protected void zeroRange(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkWithinDevice("write zeroes to", offset, length);
        long end = offset + length;
        long start = Align.up(offset, sectorSize);
        long stop = Align.down(end, sectorSize);
        if (stop <= start) {
            writeZeroData(offset, length);
            return;
        }
        writeZeroData(offset, start - offset);
        if (!zeroSectors(start, stop - start, mayUnmap)) {
            writeZeroData(start, stop - start);
        }
        writeZeroData(stop, end - stop);
    }

    /** Zeroes whole sectors without writing data; false when the device offers no way to. */
    private boolean zeroSectors(long offset, long length, boolean mayUnmap) throws IOException {
        try {
            if (mayUnmap && canUnmapZeroes) {
                try {
                    Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, length);
                    return true;
                } catch (PosixException e) {
                    canUnmapZeroes = !unsupported(e);
                }
            }
            if (canZeroOut) {
                try {
                    Posix.blockDeviceZeroOut(fd, offset, length);
                    return true;
                } catch (PosixException e) {
                    canZeroOut = !unsupported(e);
                }
            }
            return false;
        } catch (PosixException e) {
            throw FileErrors.ioFailure("Could not write zeroes to", location, e);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        checkRange(offset, length);
        long start = Align.up(offset, sectorSize);
        long stop = Align.down(Math.min(offset + length, size()), sectorSize);
        if (stop <= start || !canDiscard) {
            return;
        }
        try {
            Posix.blockDeviceDiscard(fd, start, stop - start);
        } catch (PosixException e) {
            if (!e.unsupported() && e.errno() != Posix.EINVAL) {
                throw FileErrors.ioFailure("Could not discard on", location, e);
            }
            // A discard is a hint: a device without it keeps the data.
            canDiscard = false;
        }
    }

    private void checkWithinDevice(String what, long offset, long length) throws IOException {
        checkRange(offset, length);
        long size = size();
        if (offset + length > size) {
            throw new IOException("Could not " + what + " '" + location + "': the range " + offset + "+" + length
                    + " ends past the end of the device (" + size + " bytes)");
        }
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        checkWritable();
        long size = size();
        if (newSize != size) {
            throw new IOException("Could not resize '" + location + "': a host block device has a fixed size ("
                    + size + " bytes)");
        }
    }

    /** EOPNOTSUPP and kin mean "never again"; any other failure of an optional call is raised. */
    private static boolean unsupported(PosixException e) throws PosixException {
        if (e.unsupported() || e.errno() == Posix.EINVAL) {
            return true;
        }
        throw e;
    }
}
