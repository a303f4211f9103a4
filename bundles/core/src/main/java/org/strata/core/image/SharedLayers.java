package org.strata.core.image;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.api.StoragePath;

/**
 * Read-only backing images shared by every chain that uses them: one base under many overlays is opened once.
 * Each user holds a reference; the image closes when the last lets go.
 */
public final class SharedLayers {

    /** An open shared image and how many chains use it. */
    private static final class Entry {
        final FormatAccess access;
        int users;

        Entry(FormatAccess access) {
            this.access = access;
        }
    }

    /**
     * What makes two opens the same shared layer: the same storage object, opened the same way, with the same driver
     * versions (a layer opened by an older {@link DriverLookup#generation} is never shared with a new open).
     */
    record Key(StoragePath where, String format, boolean forceShare, CacheMode cache, long drivers) {
    }

    /** Opens a layer when it is not shared yet. */
    @FunctionalInterface
    interface Opener {
        FormatAccess open() throws IOException;
    }

    private final Map<Key, Entry> open = new HashMap<>();

    /** The shared layer for {@code key}, opened with {@code opener} when no chain uses it yet. */
    synchronized FormatAccess acquire(Key key, Opener opener) throws IOException {
        Entry e = open.get(key);
        if (e == null || e.access.isClosed()) {
            e = new Entry(opener.open());
            open.put(key, e);
        }
        e.users++;
        return e.access;
    }

    /** Lets go of a layer; the last user closes it. */
    synchronized void release(Key key, FormatAccess access) throws IOException {
        Entry e = open.get(key);
        if (e == null || e.access != access) {
            access.close();
            return;
        }
        if (--e.users == 0) {
            open.remove(key);
            e.access.close();
        }
    }

    /** How many layers are open now (for tests and status). */
    public synchronized int size() {
        return open.size();
    }
}
