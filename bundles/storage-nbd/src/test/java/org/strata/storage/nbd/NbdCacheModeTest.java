package org.strata.storage.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.LoggedNbdkit;
import org.strata.testkit.Patterns;

/**
 * The cache modes as an NBD server sees them: FUA on each write in the write-through modes, or a flush after it
 * where the server has no FUA; no flush with unsafe.
 */
class NbdCacheModeTest {

    /** nbdkit's memory plugin has FUA. */
    private static final String[] WITH_FUA = {"memory", "size=1M"};
    /** nbdkit's eval plugin has what its scripts say: writes, zeroes and flushes, but no FUA. */
    private static final String[] WITHOUT_FUA = {"eval", "get_size=echo 1048576", "pread=head -c $3 /dev/zero",
        "pwrite=cat >/dev/null", "can_write=exit 0", "can_flush=exit 0", "flush=exit 0", "can_fua=echo none",
        "can_zero=exit 0", "zero=exit 0"};

    @TempDir
    Path dir;
    private int n;

    /** The requests a write, a write of zeroes and a sync send in {@code mode}. */
    private List<String> requests(CacheMode mode, String... server) throws Exception {
        try (LoggedNbdkit nbdkit = LoggedNbdkit.start(dir, "k" + n++, server)) {
            try (Storage s = new NbdStorageDriver().open(nbdkit.url(), new StorageOptions(true, false, mode))) {
                s.write(Patterns.filled(4096, 0x11), 0);
                s.writeZeroes(8192, 4096, false);
                s.sync();
            }
            return nbdkit.requests();
        }
    }

    @Test
    void writeThroughModesSendEachWriteWithFua() throws Exception {
        List<String> durable = List.of("Write fua=1", "Zero fua=1", "Flush");
        assertEquals(durable, requests(CacheMode.WRITETHROUGH, WITH_FUA));
        assertEquals(durable, requests(CacheMode.DIRECTSYNC, WITH_FUA));
        List<String> cached = List.of("Write fua=0", "Zero fua=0", "Flush");
        assertEquals(cached, requests(CacheMode.WRITEBACK, WITH_FUA));
        assertEquals(cached, requests(CacheMode.NONE, WITH_FUA));
    }

    @Test
    void withoutFuaAtTheServerEachWriteIsFollowedByAFlush() throws Exception {
        assertEquals(List.of("Write fua=0", "Flush", "Zero fua=0", "Flush", "Flush"),
                requests(CacheMode.WRITETHROUGH, WITHOUT_FUA));
    }

    @Test
    void unsafeSendsNoFlush() throws Exception {
        assertEquals(List.of("Write fua=0", "Zero fua=0"), requests(CacheMode.UNSAFE, WITH_FUA));
    }
}
