package org.strata.format.vmdk;

import java.util.LinkedHashMap;
import java.util.Map;

import org.strata.api.Storage;

/**
 * Decompressed grains of an image's compressed extents, kept for the pieces the engine reads of them: one LRU cache
 * for the whole image, of at most 8 MiB however many extents a descriptor names. Thread-safe.
 */
final class GrainCache {

    private static final long MAX_BYTES = 8 << 20;

    /** A decompressed grain: its first {@code length} bytes of {@code data}. */
    record Grain(byte[] data, int length) {
    }

    private record Key(Storage file, long hostOffset) {
    }

    private final LinkedHashMap<Key, Grain> grains = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    synchronized Grain get(Storage file, long hostOffset) {
        return grains.get(new Key(file, hostOffset));
    }

    synchronized void put(Storage file, long hostOffset, Grain grain) {
        Grain old = grains.put(new Key(file, hostOffset), grain);
        bytes += grain.data().length - (old == null ? 0 : old.data().length);
        var it = grains.entrySet().iterator();
        while (bytes > MAX_BYTES && grains.size() > 1 && it.hasNext()) {
            Map.Entry<Key, Grain> eldest = it.next();
            bytes -= eldest.getValue().data().length;
            it.remove();
        }
    }

    /** Forgets the grains of {@code file}. */
    synchronized void clear(Storage file) {
        var it = grains.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Grain> e = it.next();
            if (e.getKey().file() == file) {
                bytes -= e.getValue().data().length;
                it.remove();
            }
        }
    }
}
