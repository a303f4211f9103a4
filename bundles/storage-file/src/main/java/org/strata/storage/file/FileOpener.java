package org.strata.storage.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

import org.strata.api.Storage;
import org.strata.api.StorageOptions;

/**
 * Opens a local file or host block device: the channel for data (with O_DIRECT and O_DSYNC as the cache mode
 * says), a native descriptor for the rest, and the QEMU-compatible image lock. With O_DIRECT the storage takes
 * only aligned requests and says so ({@code reqAlign}); the agent aligns the others before they reach it.
 */
final class FileOpener {

    private FileOpener() {
    }

    /**
     * @param create create the file when missing and empty it, but only after the lock is held, so a
     *               file in use elsewhere is never truncated
     */
    static Storage open(Path path, StorageOptions options, boolean create) throws IOException {
        String location = path.toString();
        boolean writable = options.writable();
        FileChannel channel = openChannel(path, options, create);
        int fd = -1;
        try {
            fd = openNative(location, writable);
            Posix.Stat stat = Posix.stat(fd);
            boolean device = checkType(location, stat);
            if (device && writable && Posix.blockDeviceReadOnly(fd)) {
                throw FileErrors.openFailure(location, "The device is not writable: Permission denied");
            }
            if (!options.forceShare()) {
                if (writable) {
                    ImageLock.lockForWriting(fd, location);
                } else {
                    ImageLock.lockForReading(fd, location);
                }
            }
            if (create && !device) {
                channel.truncate(0);
            }
            int sectorSize = device ? Posix.logicalBlockSize(fd) : 512;
            int align = options.cache().direct() ? DirectIo.probeAlignment(channel, path, sectorSize) : 1;
            FileStorage storage = device
                    ? new BlockDeviceStorage(path, channel, fd, writable, align, sectorSize)
                    : new RegularFileStorage(path, channel, fd, writable, align);
            storage.useCacheMode(options.cache());
            return storage;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(channel, fd, e);
            if (e instanceof IOException io) {
                throw FileErrors.openFailure(location, io);
            }
            throw e;
        }
    }

    private static FileChannel openChannel(Path path, StorageOptions options, boolean create) throws IOException {
        Set<OpenOption> opts = new HashSet<>();
        opts.add(StandardOpenOption.READ);
        if (options.writable()) {
            opts.add(StandardOpenOption.WRITE);
        }
        if (create) {
            opts.add(StandardOpenOption.CREATE);
        }
        if (options.cache().direct()) {
            opts.add(DirectIo.option());
        }
        if (options.cache().writeThrough()) {
            // the kernel makes each write durable before it returns (a write with FUA where the device has it)
            opts.add(StandardOpenOption.DSYNC);
        }
        try {
            return FileChannel.open(path, opts);
        } catch (IOException e) {
            throw FileErrors.openFailure(path.toString(), e);
        } catch (UnsupportedOperationException e) {
            throw FileErrors.openFailure(path.toString(), "O_DIRECT is not supported here");
        }
    }

    private static int openNative(String location, boolean writable) throws IOException {
        try {
            return Posix.open(location, writable);
        } catch (PosixException e) {
            throw FileErrors.openFailure(location, e);
        }
    }

    /** Whether it is a block device; refuses what is neither a regular file nor one. */
    private static boolean checkType(String location, Posix.Stat stat) throws IOException {
        return switch (stat.type()) {
            case Posix.S_IFREG -> false;
            case Posix.S_IFBLK -> true;
            case Posix.S_IFDIR -> throw FileErrors.openFailure(location, "Is a directory");
            default -> throw FileErrors.openFailure(location, "not a regular file or block device");
        };
    }

    private static void closeQuietly(FileChannel channel, int fd, Throwable failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        if (fd >= 0) {
            try {
                Posix.close(fd);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
