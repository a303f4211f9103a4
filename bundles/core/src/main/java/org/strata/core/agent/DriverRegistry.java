package org.strata.core.agent;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.core.image.DriverLookup;

/**
 * Every format driver and storage backend registered in the framework now. Dynamic, greedy references: a
 * driver dropped into deploy/ later is bound as it arrives, and unbound as it leaves.
 * <p>
 * Several versions of a driver may be registered side by side (FileInstall installs a jar of a new version
 * beside the old one). The highest version <em>serves</em> its role ("format:qcow2"): only serving drivers are
 * looked up, so images open with them. When the serving driver of a role changes, listeners move its users
 * before the change completes; the others wait on standby and serve again if the higher version leaves.
 */
@Component(service = {DriverRegistry.class, DriverLookup.class})
public final class DriverRegistry implements DriverLookup {

    private static final System.Logger LOG = System.getLogger(DriverRegistry.class.getName());

    /** A registered driver object. */
    private record Entry(Object driver, DriverInfo info, Version version) {
    }

    private final List<Entry> registered = new CopyOnWriteArrayList<>();
    /** The entry serving each role. */
    private final Map<String, Entry> serving = new ConcurrentHashMap<>();
    /** Entries whose users are being moved off or closed right now. */
    private final Set<Entry> draining = ConcurrentHashMap.newKeySet();
    /** One change at a time, listeners included, so that they see the changes in order. */
    private final ReentrantLock changes = new ReentrantLock();
    private final List<DriverListener> listeners = new CopyOnWriteArrayList<>();
    private volatile long generation;
    /** Set when the registry itself goes: Declarative Services then unbinds every driver, which is no change. */
    private volatile boolean deactivated;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFormat(FormatDriver driver, ServiceReference<FormatDriver> ref) {
        add(entry(driver, "format", driver.name(), ref.getBundle()));
    }

    /** Registers a format driver outside a framework (tools and tests). */
    public void addFormat(FormatDriver driver) {
        add(entry(driver, "format", driver.name(), FrameworkUtil.getBundle(driver.getClass())));
    }

    /** Registers a format driver outside a framework as if its bundle had this version (tests). */
    void addFormat(FormatDriver driver, String version) {
        add(new Entry(driver, new DriverInfo("format", driver.name(), "test", version),
                Version.parseVersion(version)));
    }

    public void removeFormat(FormatDriver driver) {
        remove(driver);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addStorage(StorageDriver driver, ServiceReference<StorageDriver> ref) {
        add(entry(driver, "storage", driver.name(), ref.getBundle()));
    }

    /** Registers a storage backend outside a framework (tools and tests). */
    public void addStorage(StorageDriver driver) {
        add(entry(driver, "storage", driver.name(), FrameworkUtil.getBundle(driver.getClass())));
    }

    public void removeStorage(StorageDriver driver) {
        remove(driver);
    }

    @Deactivate
    void deactivate() {
        deactivated = true;
    }

    private static Entry entry(Object driver, String kind, String name, Bundle b) {
        Version v = b == null ? Version.emptyVersion : b.getVersion();
        return new Entry(driver, new DriverInfo(kind, name, b == null ? "?" : b.getSymbolicName(),
                b == null ? "?" : v.toString()), v);
    }

    private void add(Entry e) {
        changes.lock();
        try {
            registered.add(e);
            Entry current = serving.get(e.info.role());
            if (current == null || e.version.compareTo(current.version) > 0) {
                switchServing(e.info.role(), current, e);
            }
        } finally {
            changes.unlock();
        }
    }

    private void remove(Object driver) {
        changes.lock();
        try {
            Entry e = registered.stream().filter(r -> r.driver == driver).findFirst().orElse(null);
            if (e == null) {
                return;
            }
            String role = e.info.role();
            if (serving.get(role) == e && !deactivated) {
                Entry next = registered.stream().filter(r -> r != e && r.info.role().equals(role))
                        .max(Comparator.comparing(Entry::version)).orElse(null);
                switchServing(role, e, next);
            }
            registered.remove(e);
        } finally {
            changes.unlock();
        }
    }

    /** Makes {@code to} serve {@code role}; returns once the listeners have let go of {@code from}. */
    private void switchServing(String role, Entry from, Entry to) {
        if (to == null) {
            serving.remove(role);
        } else {
            serving.put(role, to);
        }
        generation++;
        DriverInfo before = from == null ? null : from.info;
        DriverInfo after = to == null ? null : to.info;
        LOG.log(System.Logger.Level.INFO, () -> describe(before, after));
        if (from != null) {
            draining.add(from);
        }
        try {
            for (DriverListener l : listeners) {
                try {
                    l.servingChanged(before, after);
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.ERROR, "while " + describe(before, after), ex);
                }
            }
        } finally {
            if (from != null) {
                draining.remove(from);
            }
        }
    }

    private static String describe(DriverInfo from, DriverInfo to) {
        DriverInfo any = from != null ? from : to;
        String what = any.describe() + ": ";
        if (from == null) {
            return what + to.bundle() + " " + to.version() + " serves";
        }
        if (to == null) {
            return what + from.bundle() + " " + from.version() + " is leaving and no other version is registered";
        }
        return what + to.bundle() + " " + to.version() + " takes over from " + from.bundle() + " " + from.version();
    }

    /** The format drivers serving now, one per name. */
    @Override
    public Collection<FormatDriver> formats() {
        return servingOf("format", FormatDriver.class);
    }

    /** The storage backends serving now, one per name. */
    @Override
    public Collection<StorageDriver> storages() {
        return servingOf("storage", StorageDriver.class);
    }

    private <T> List<T> servingOf(String kind, Class<T> type) {
        return serving.values().stream().filter(e -> e.info.kind().equals(kind)).map(e -> type.cast(e.driver))
                .toList();
    }

    /** Changes whenever the driver serving some role changes. */
    @Override
    public long generation() {
        return generation;
    }

    /** The driver serving a role ("format:qcow2"), or null. */
    public DriverInfo serving(String role) {
        Entry e = serving.get(role);
        return e == null ? null : e.info;
    }

    /** Every registered driver with its state, formats first, each kind by name, then by version. */
    public List<DriverStatus> list() {
        return registered.stream()
                .sorted(Comparator.comparing((Entry e) -> e.info.kind()).thenComparing(e -> e.info.name())
                        .thenComparing(Entry::version))
                .map(e -> new DriverStatus(e.info, draining.contains(e) ? DriverStatus.State.DRAINING
                        : serving.get(e.info.role()) == e ? DriverStatus.State.SERVING
                        : DriverStatus.State.STANDBY))
                .toList();
    }

    public void addListener(DriverListener l) {
        listeners.add(l);
    }

    public void removeListener(DriverListener l) {
        listeners.remove(l);
    }
}
