package org.strata.storage.file;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.LongByReference;

/**
 * The few Linux calls that {@link java.nio.channels.FileChannel} does not offer, through JNA, on a file
 * descriptor of our own: open-file-description locks, fallocate, SEEK_DATA/SEEK_HOLE, ftruncate, statx and
 * the block device ioctls. Every failure is a {@link PosixException} carrying the errno.
 *
 * <p>Structure layouts are those of 64-bit Linux (x86-64, aarch64 and the other LP64 ports).
 */
final class Posix {

    static final int EINTR = 4;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EXDEV = 18;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;

    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;

    static final int S_IFMT = 0xf000;
    static final int S_IFREG = 0x8000;
    static final int S_IFBLK = 0x6000;
    static final int S_IFDIR = 0x4000;

    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;

    private static final int F_OFD_GETLK = 36;
    private static final int F_OFD_SETLK = 37;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    private static final short F_UNLCK = 2;
    private static final int FLOCK_SIZE = 32;

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_SIZE = 256;

    private static final long BLKROGET = 0x125eL;
    private static final long BLKSSZGET = 0x1268L;
    private static final long BLKDISCARD = 0x1277L;
    private static final long BLKZEROOUT = 0x127fL;
    private static final long BLKGETSIZE64 = 0x80081272L;

    /** What {@code statx} tells about an open file. */
    record Stat(int mode, long blocks) {
        int type() {
            return mode & S_IFMT;
        }
    }

    private interface LibC extends Library {
        int open(String path, int flags, Object... mode) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int fcntl(int fd, int cmd, Object... arg) throws LastErrorException;

        int fallocate(int fd, int mode, long offset, long length) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;

        int ftruncate(int fd, long length) throws LastErrorException;

        long copy_file_range(int fdIn, LongByReference offIn, int fdOut, LongByReference offOut, long length,
                             int flags) throws LastErrorException;

        int ioctl(int fd, NativeLong request, Object... arg) throws LastErrorException;

        int statx(int dirfd, String path, int flags, int mask, Memory buf) throws LastErrorException;

        String strerror(int errnum);
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    private Posix() {
    }

    private static LibC c() throws PosixException {
        try {
            return Holder.C;
        } catch (LinkageError e) {
            throw new PosixException(ENOSYS, "native file support (JNA) is unavailable: " + e.getMessage());
        }
    }

    private static PosixException error(LastErrorException e) {
        int errno = e.getErrorCode();
        String text;
        try {
            text = Holder.C.strerror(errno);
        } catch (RuntimeException | LinkageError ignored) {
            text = null;
        }
        return new PosixException(errno, text != null ? text : "errno " + errno);
    }

    static int open(String path, boolean writable) throws PosixException {
        try {
            return c().open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    static void close(int fd) throws PosixException {
        try {
            c().close(fd);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    static Stat stat(int fd) throws PosixException {
        try (Memory buf = new Memory(STATX_SIZE)) {
            buf.clear();
            c().statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf);
            return new Stat(buf.getShort(28) & 0xffff, buf.getLong(48)); // stx_mode, stx_blocks
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    static void fallocate(int fd, int mode, long offset, long length) throws PosixException {
        while (true) {
            try {
                c().fallocate(fd, mode, offset, length);
                return;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw error(e);
                }
            }
        }
    }

    static void ftruncate(int fd, long length) throws PosixException {
        try {
            c().ftruncate(fd, length);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    /**
     * Copies up to {@code length} bytes from {@code in} at {@code inOffset} to {@code out} at {@code outOffset} in
     * the kernel (neither file's position moves); returns how many, 0 at the end of {@code in}.
     */
    static long copyFileRange(int in, long inOffset, int out, long outOffset, long length) throws PosixException {
        while (true) {
            try {
                return c().copy_file_range(in, new LongByReference(inOffset), out, new LongByReference(outOffset),
                        length, 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw error(e);
                }
            }
        }
    }

    /** The first data offset at or after {@code offset}, or -1 when only a hole follows (ENXIO). */
    static long seekData(int fd, long offset) throws PosixException {
        return seek(fd, offset, SEEK_DATA);
    }

    /** The first hole offset at or after {@code offset} (the end of the file counts as a hole). */
    static long seekHole(int fd, long offset) throws PosixException {
        return seek(fd, offset, SEEK_HOLE);
    }

    private static long seek(int fd, long offset, int whence) throws PosixException {
        try {
            return c().lseek(fd, offset, whence);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENXIO) {
                return -1;
            }
            throw error(e);
        }
    }

    /** Takes a shared lock on one byte, or fails at once (EAGAIN/EACCES) when it conflicts. */
    static void lockSharedByte(int fd, long offset) throws PosixException {
        try (Memory fl = flock(F_RDLCK, offset)) {
            c().fcntl(fd, F_OFD_SETLK, fl);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    /** Whether another open file description holds a lock on the byte that an exclusive lock would meet. */
    static boolean byteLockedByOthers(int fd, long offset) throws PosixException {
        try (Memory fl = flock(F_WRLCK, offset)) {
            c().fcntl(fd, F_OFD_GETLK, fl);
            return fl.getShort(0) != F_UNLCK;
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    private static Memory flock(short type, long offset) {
        Memory fl = new Memory(FLOCK_SIZE);
        fl.clear();
        fl.setShort(0, type);       // l_type
        fl.setShort(2, (short) 0);  // l_whence = SEEK_SET
        fl.setLong(8, offset);      // l_start
        fl.setLong(16, 1);          // l_len
        return fl;                  // l_pid stays 0, as OFD locks require
    }

    static long blockDeviceSize(int fd) throws PosixException {
        try (Memory v = new Memory(8)) {
            c().ioctl(fd, new NativeLong(BLKGETSIZE64), v);
            return v.getLong(0);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    static int logicalBlockSize(int fd) throws PosixException {
        return intIoctl(fd, BLKSSZGET);
    }

    static boolean blockDeviceReadOnly(int fd) throws PosixException {
        return intIoctl(fd, BLKROGET) != 0;
    }

    private static int intIoctl(int fd, long request) throws PosixException {
        try (Memory v = new Memory(4)) {
            v.setInt(0, 0);
            c().ioctl(fd, new NativeLong(request), v);
            return v.getInt(0);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }

    static void blockDeviceZeroOut(int fd, long offset, long length) throws PosixException {
        rangeIoctl(fd, BLKZEROOUT, offset, length);
    }

    static void blockDeviceDiscard(int fd, long offset, long length) throws PosixException {
        rangeIoctl(fd, BLKDISCARD, offset, length);
    }

    private static void rangeIoctl(int fd, long request, long offset, long length) throws PosixException {
        try (Memory range = new Memory(16)) {
            range.setLong(0, offset);
            range.setLong(8, length);
            c().ioctl(fd, new NativeLong(request), range);
        } catch (LastErrorException e) {
            throw error(e);
        }
    }
}
