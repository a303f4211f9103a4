package org.strata.core.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;

/**
 * An image the agent keeps open under a name. Requests go through {@link #call}; while the node is detached
 * (a driver it uses is being replaced) they wait, up to the pause timeout, and continue once it is reattached.
 * Detaching waits for in-flight requests, then flushes and closes the image.
 */
public final class Node implements ImageHandle {

    /**
     * What a node is, as persisted.
     *
     * @param cache      the cache mode's name (writeback where a file written before cache modes has none)
     * @param allowRoots the --allow-root values it was added with, as locations (directories absolute)
     */
    public record Spec(String name, String file, String format, boolean readOnly, String cache,
                       List<String> allowRoots) {

        public Spec {
            cache = cache == null ? CacheMode.WRITEBACK.toString() : cache;
        }

        /** @throws IllegalArgumentException for a name that is no cache mode (an edited nodes.json) */
        public CacheMode cacheMode() {
            return CacheMode.parse(cache);
        }
    }

    /** One layer of the node's chain, top first. */
    public record Layer(String file, String format) {
    }

    private final Spec spec;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition attachedOrGone = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private FormatAccess access;
    private List<Layer> chain = List.of();
    private Set<String> drivers = Set.of();
    private String detachReason = "not opened yet";
    private int inFlight;
    private boolean removed;
    private final long pauseNanos;

    Node(Spec spec, long pauseSeconds) {
        this.spec = spec;
        this.pauseNanos = TimeUnit.SECONDS.toNanos(pauseSeconds);
    }

    public Spec spec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public <T> T call(IoFunction<T> op) throws IOException {
        FormatAccess a;
        lock.lock();
        try {
            long wait = pauseNanos;
            while (access == null) {
                if (removed) {
                    throw new IOException("Node '" + name() + "' was removed");
                }
                if (wait <= 0) {
                    throw new IOException("Node '" + name() + "' is detached: " + detachReason);
                }
                try {
                    wait = attachedOrGone.awaitNanos(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while node '" + name() + "' is detached");
                }
            }
            a = access;
            inFlight++;
        } finally {
            lock.unlock();
        }
        try {
            return op.apply(a);
        } finally {
            lock.lock();
            try {
                if (--inFlight == 0) {
                    drained.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Starts serving {@code opened}. */
    void attach(FormatAccess opened) {
        List<Layer> layers = new ArrayList<>();
        Set<String> used = new LinkedHashSet<>();
        for (FormatAccess a = opened; a != null; a = a.backing()) {
            List<Storage> storages = a.storages();
            layers.add(new Layer(storages.isEmpty() ? "?" : storages.get(0).location(), a.formatName()));
            used.add("format:" + a.formatName());
            for (Storage s : storages) {
                used.add("storage:" + s.driverName());
            }
        }
        lock.lock();
        try {
            access = opened;
            chain = List.copyOf(layers);
            drivers = Set.copyOf(used);
            attachedOrGone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops serving: waits for in-flight requests, then flushes and closes the image. New requests wait for
     * {@link #attach} (or fail after the pause timeout).
     */
    void detach(String reason) throws IOException {
        FormatAccess a;
        lock.lock();
        try {
            a = access;
            access = null;
            detachReason = reason;
            while (inFlight > 0) {
                drained.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
        if (a != null) {
            a.close();
        }
    }

    /** Detaches for good: waiting requests fail. */
    void remove() throws IOException {
        lock.lock();
        try {
            removed = true;
            attachedOrGone.signalAll();
        } finally {
            lock.unlock();
        }
        detach("removed");
    }

    public boolean isAttached() {
        lock.lock();
        try {
            return access != null;
        } finally {
            lock.unlock();
        }
    }

    /** Why the node is detached, or null when attached. */
    public String detachReason() {
        lock.lock();
        try {
            return access == null ? detachReason : null;
        } finally {
            lock.unlock();
        }
    }

    /** The chain as last attached, top first. */
    public List<Layer> chain() {
        lock.lock();
        try {
            return chain;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the node's chain uses the driver ("format:qcow2", "storage:file"). */
    boolean uses(DriverInfo driver) {
        lock.lock();
        try {
            return drivers.contains(driver.kind() + ":" + driver.name());
        } finally {
            lock.unlock();
        }
    }

    Path fileAsPath() {
        return Path.of(spec.file());
    }
}
