package org.strata.storage.file;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Image locking that QEMU understands: open-file-description locks on single bytes of the image, as QEMU's
 * file-posix driver takes them. For each permission an opener holds it takes a shared lock on byte
 * {@code 100 + bit}; for each permission it does not share with others, on byte {@code 200 + bit}. It then
 * tests the opposite bytes: somebody who does not share a permission it holds ({@code 200 + bit}), and
 * somebody who holds a permission it does not share ({@code 100 + bit}). Locks live as long as the file
 * descriptor, so two openers in one process conflict too.
 */
final class ImageLock {

    /** QEMU's block permissions, in bit order. */
    enum Permission {
        CONSISTENT_READ("consistent read"),
        WRITE("write"),
        WRITE_UNCHANGED("write unchanged"),
        RESIZE("resize");

        final String qemuName;

        Permission(String qemuName) {
            this.qemuName = qemuName;
        }
    }

    private static final int HELD_BASE = 100;
    private static final int UNSHARED_BASE = 200;

    private ImageLock() {
    }

    /** A writer: reads and writes and may resize; lets nobody else write or resize. */
    static void lockForWriting(int fd, String location) throws IOException {
        lock(fd, location, EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE),
                EnumSet.of(Permission.WRITE, Permission.RESIZE));
    }

    /** A reader that needs consistent data: lets nobody else write. */
    static void lockForReading(int fd, String location) throws IOException {
        lock(fd, location, EnumSet.of(Permission.CONSISTENT_READ), EnumSet.of(Permission.WRITE));
    }

    /**
     * Takes the bytes for {@code held} and {@code unshared}, then checks for conflicts. Both sides lock
     * before they check, so of two racing openers at least one sees the other. On a conflict the caller
     * closes the descriptor, which drops the bytes taken here.
     */
    static void lock(int fd, String location, Set<Permission> held, Set<Permission> unshared)
            throws IOException {
        for (Permission p : held) {
            take(fd, location, HELD_BASE + p.ordinal());
        }
        for (Permission p : unshared) {
            take(fd, location, UNSHARED_BASE + p.ordinal());
        }
        for (Permission p : held) {
            if (Posix.byteLockedByOthers(fd, UNSHARED_BASE + p.ordinal())) {
                throw conflict("Failed to get \"" + p.qemuName + "\" lock", location);
            }
        }
        for (Permission p : unshared) {
            if (Posix.byteLockedByOthers(fd, HELD_BASE + p.ordinal())) {
                throw conflict("Failed to get shared \"" + p.qemuName + "\" lock", location);
            }
        }
    }

    private static void take(int fd, String location, int offset) throws IOException {
        try {
            Posix.lockSharedByte(fd, offset);
        } catch (PosixException e) {
            if (e.errno() == Posix.EAGAIN || e.errno() == Posix.EACCES) {
                throw conflict("Failed to lock byte " + offset, location);
            }
            throw new IOException("Failed to lock byte " + offset + " of '" + location + "': " + e.getMessage(), e);
        }
    }

    private static IOException conflict(String what, String location) {
        return new IOException(what + ": Is another process using the image [" + location + "]?");
    }
}
