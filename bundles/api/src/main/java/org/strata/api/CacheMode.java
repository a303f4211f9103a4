package org.strata.api;

import java.util.Locale;
import java.util.Optional;

/**
 * How writes reach stable storage: QEMU's cache modes, by QEMU's names ({@code -t}/{@code -T} of qemu-img). Every
 * storage backend honours the three properties each mode combines.
 */
public enum CacheMode {

    /** Through the host page cache; writes are durable once flushed (QEMU's default). */
    WRITEBACK(false, false, false),
    /** Through the host page cache; each write is durable before it completes. */
    WRITETHROUGH(false, true, false),
    /** Bypassing the host page cache (O_DIRECT); writes are durable once flushed. */
    NONE(true, false, false),
    /** Bypassing the host page cache (O_DIRECT); each write is durable before it completes. */
    DIRECTSYNC(true, true, false),
    /**
     * Through the host page cache, and requests to make writes durable are ignored: for images that are worthless
     * after a crash anyway, such as the target of a conversion.
     */
    UNSAFE(false, false, true);

    private final boolean direct;
    private final boolean writeThrough;
    private final boolean ignoresFlushes;

    CacheMode(boolean direct, boolean writeThrough, boolean ignoresFlushes) {
        this.direct = direct;
        this.writeThrough = writeThrough;
        this.ignoresFlushes = ignoresFlushes;
    }

    /** Whether I/O bypasses the host page cache (O_DIRECT). */
    public boolean direct() {
        return direct;
    }

    /** Whether each write (data or zeroes) is durable before it completes. */
    public boolean writeThrough() {
        return writeThrough;
    }

    /** Whether requests to make writes durable ({@link Storage#sync()}) do nothing. */
    public boolean ignoresFlushes() {
        return ignoresFlushes;
    }

    /** The mode called {@code name} (QEMU's name: writeback, writethrough, none, directsync, unsafe). */
    public static Optional<CacheMode> byName(String name) {
        for (CacheMode m : values()) {
            if (m.toString().equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /**
     * The mode called {@code name}.
     *
     * @throws IllegalArgumentException with qemu-img's message, {@code Invalid cache option: NAME}
     */
    public static CacheMode parse(String name) {
        return byName(name).orElseThrow(() -> new IllegalArgumentException("Invalid cache option: " + name));
    }

    /** QEMU's name of the mode. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
