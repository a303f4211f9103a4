package org.strata.core.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.strata.api.CacheMode;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.core.metrics.IoStats;

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

    public enum State {
        /** Serving requests. */
        ATTACHED,
        /** Being detached: new requests wait, those in flight finish, then the image is flushed and closed. */
        DRAINING,
        /** Closed until its drivers let it open again; requests wait up to the pause timeout. */
        DETACHED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Spec spec;
    private final IoStats stats;
    private final long pauseNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition attachedOrGone = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private FormatAccess access;
    private boolean draining;
    private List<Layer> chain = List.of();
    /** The roles the chain needs ("format:qcow2", "storage:file"). */
    private Set<String> roles = Set.of();
    /** The drivers serving those roles since the node attached; none while it is detached. */
    private List<DriverInfo> drivers = List.of();
    private String detachReason = "not opened yet";
    /** Set when nothing will reattach the node any more: requests then fail at once instead of waiting. */
    private String noReattach;
    /** Set once the node is closed for good ("was removed"): requests fail. */
    private String closed;
    private int inFlight;

    Node(Spec spec, long pauseSeconds) {
        this.spec = spec;
        this.stats = new IoStats(IoStats.Target.node(spec.name()));
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
    public IoStats stats() {
        return stats;
    }

    @Override
    public <T> T call(IoFunction<T> op) throws IOException {
        FormatAccess a;
        lock.lock();
        try {
            long wait = pauseNanos;
            while (access == null) {
                if (closed != null) {
                    throw new IOException("Node '" + name() + "' " + closed);
                }
                if (noReattach != null) {
                    throw new IOException("Node '" + name() + "' is detached: " + detachReason + ", and "
                            + noReattach);
                }
                if (wait <= 0) {
                    throw new IOException("Node '" + name() + "' is detached: " + detachReason + " (waited "
                            + TimeUnit.NANOSECONDS.toSeconds(pauseNanos) + " s)");
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

    /** Starts serving {@code opened}; {@code servingDriver} names the driver serving each role it needs. */
    void attach(FormatAccess opened, Function<String, DriverInfo> servingDriver) {
        List<Layer> layers = new ArrayList<>();
        Set<String> needed = new LinkedHashSet<>();
        for (FormatAccess a = opened; a != null; a = a.backing()) {
            List<Storage> storages = a.storages();
            layers.add(new Layer(storages.isEmpty() ? "?" : storages.get(0).location(), a.formatName()));
            needed.add(DriverInfo.role("format", a.formatName()));
            for (Storage s : storages) {
                needed.add(DriverInfo.role("storage", s.driverName()));
            }
        }
        List<DriverInfo> serving = needed.stream().map(servingDriver).filter(Objects::nonNull).toList();
        lock.lock();
        try {
            access = opened;
            chain = List.copyOf(layers);
            roles = Set.copyOf(needed);
            drivers = serving;
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
            draining = a != null;
            while (inFlight > 0) {
                drained.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
        if (a == null) {
            return;
        }
        try {
            a.close();
        } finally {
            lock.lock();
            try {
                draining = false;
                drivers = List.of();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Detaches for good: waiting and later requests fail, saying why.
     *
     * @param why how the node ended, after its name: "was removed"
     */
    void close(String why) throws IOException {
        lock.lock();
        try {
            closed = why;
            attachedOrGone.signalAll();
        } finally {
            lock.unlock();
        }
        detach(why);
    }

    /** Records why a detached node could not be reopened. */
    void openFailed(String reason) {
        lock.lock();
        try {
            if (access == null) {
                detachReason = reason;
            }
        } finally {
            lock.unlock();
        }
    }

    /** From now on, while detached, requests fail at once (nothing will reattach the node), saying why. */
    void stopWaiting(String why) {
        lock.lock();
        try {
            noReattach = why;
            attachedOrGone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public State state() {
        lock.lock();
        try {
            return access != null ? State.ATTACHED : draining ? State.DRAINING : State.DETACHED;
        } finally {
            lock.unlock();
        }
    }

    public boolean isAttached() {
        return state() == State.ATTACHED;
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

    /** The drivers serving the node now (the bundle and version of each): none while it is detached. */
    public List<DriverInfo> drivers() {
        lock.lock();
        try {
            return drivers;
        } finally {
            lock.unlock();
        }
    }

    /** The roles the node's chain needed when it last attached ("format:qcow2", "storage:file"); none before. */
    Set<String> roles() {
        lock.lock();
        try {
            return roles;
        } finally {
            lock.unlock();
        }
    }
}
