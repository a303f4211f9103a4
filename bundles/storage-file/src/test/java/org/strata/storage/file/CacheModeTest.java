package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.strata.api.CacheMode;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.engine.AlignedStorage;
import org.strata.testkit.OpenFlags;
import org.strata.testkit.Patterns;

/**
 * The cache modes as the kernel sees them: the data descriptor's O_DIRECT and O_DSYNC, and what a write leaves
 * dirty in the page cache (Linux's cachestat(2): a dirty page is a write not yet durable).
 */
class CacheModeTest {

    private static final int WRITE = 256 * 1024;

    @TempDir
    Path dir;

    /** A new file in {@code mode}, as the agent opens it (direct ones behind the engine's aligning wrapper). */
    private Storage create(Path file, CacheMode mode) throws IOException {
        return AlignedStorage.forAnyRequest(
                new FileStorageDriver().create(file.toString(), new StorageOptions(true, false, mode)));
    }

    @ParameterizedTest
    @EnumSource(CacheMode.class)
    void eachModeOpensTheFileWithItsFlags(CacheMode mode) throws IOException {
        Path file = dir.resolve(mode + ".raw");
        try (Storage s = create(file, mode)) {
            assertEquals(mode.direct(), OpenFlags.someHas(file, OpenFlags.O_DIRECT), mode + ": O_DIRECT");
            assertEquals(mode.writeThrough(), OpenFlags.someHas(file, OpenFlags.O_DSYNC), mode + ": O_DSYNC");
            int both = OpenFlags.O_DIRECT | OpenFlags.O_DSYNC;
            assertEquals(mode == CacheMode.DIRECTSYNC, OpenFlags.someHas(file, both), mode + ": both on one descriptor");
        }
    }

    @Test
    void aWriteThroughWriteIsDurableWhenItCompletes() throws IOException {
        assertTrue(dirtyAfterWrite(CacheMode.WRITEBACK, false) > 0, "writeback leaves the write in the page cache");
        assertEquals(0, dirtyAfterWrite(CacheMode.WRITETHROUGH, false), "writethrough");
        assertEquals(0, dirtyAfterWrite(CacheMode.DIRECTSYNC, false), "directsync");
    }

    @Test
    void unsafeIgnoresSyncsAndTheOthersHonourThem() throws IOException {
        assertEquals(0, dirtyAfterWrite(CacheMode.WRITEBACK, true), "writeback syncs");
        assertTrue(dirtyAfterWrite(CacheMode.UNSAFE, true) > 0, "unsafe ignores the sync");
    }

    /** Dirty pages of a new file after one write (and a sync if asked), before it is closed. */
    private long dirtyAfterWrite(CacheMode mode, boolean sync) throws IOException {
        Path file = dir.resolve("dirty-" + mode + "-" + sync + ".raw");
        try (Storage s = create(file, mode)) {
            s.write(Patterns.filled(WRITE, 0x5a), 0);
            if (sync) {
                s.sync();
            }
            return dirtyPages(file);
        }
    }

    private interface Syscalls extends Library {
        Syscalls C = Native.load("c", Syscalls.class);

        long syscall(long number, Object... args);
    }

    private static final long SYS_CACHESTAT = 451;

    /** cachestat(2) of the whole file: its page cache pages that are dirty. */
    private static long dirtyPages(Path file) throws IOException {
        int fd = Posix.open(file.toString(), false);
        try (Memory range = new Memory(16); Memory stat = new Memory(40)) {
            range.clear();
            long r = Syscalls.C.syscall(SYS_CACHESTAT, fd, range, stat, 0);
            if (r != 0) {
                throw new IOException("cachestat failed, errno " + Native.getLastError());
            }
            long cached = stat.getLong(0);
            long dirty = stat.getLong(8);
            long writeback = stat.getLong(16);
            assertTrue(cached >= 0 && writeback >= 0);
            return dirty + writeback;
        } finally {
            Posix.close(fd);
        }
    }
}
