package org.strata.core.agent;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.core.image.DriverLookup;

/**
 * Every format driver and storage backend registered in the framework now. Dynamic, greedy references: a
 * driver dropped into deploy/ later is bound as it arrives, and unbound (after listeners let go of it) as it
 * leaves.
 */
@Component(service = {DriverRegistry.class, DriverLookup.class})
public final class DriverRegistry implements DriverLookup {

    private final Map<FormatDriver, DriverInfo> formats = new ConcurrentHashMap<>();
    private final Map<StorageDriver, DriverInfo> storages = new ConcurrentHashMap<>();
    private final List<DriverListener> listeners = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFormat(FormatDriver driver, ServiceReference<FormatDriver> ref) {
        addFormat(driver, info("format", driver.name(), ref.getBundle()));
    }

    /** Registers a format driver outside a framework (tools and tests). */
    public void addFormat(FormatDriver driver) {
        addFormat(driver, info("format", driver.name(), FrameworkUtil.getBundle(driver.getClass())));
    }

    private void addFormat(FormatDriver driver, DriverInfo info) {
        formats.put(driver, info);
        listeners.forEach(l -> l.driverAdded(info));
    }

    public void removeFormat(FormatDriver driver) {
        // Unlisted first, so nothing opens with it while its users let go; the object stays usable till we return.
        DriverInfo info = formats.remove(driver);
        if (info != null) {
            listeners.forEach(l -> l.driverRemoving(info));
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addStorage(StorageDriver driver, ServiceReference<StorageDriver> ref) {
        addStorage(driver, info("storage", driver.name(), ref.getBundle()));
    }

    /** Registers a storage backend outside a framework (tools and tests). */
    public void addStorage(StorageDriver driver) {
        addStorage(driver, info("storage", driver.name(), FrameworkUtil.getBundle(driver.getClass())));
    }

    private void addStorage(StorageDriver driver, DriverInfo info) {
        storages.put(driver, info);
        listeners.forEach(l -> l.driverAdded(info));
    }

    public void removeStorage(StorageDriver driver) {
        // Unlisted first, so nothing opens with it while its users let go; the object stays usable till we return.
        DriverInfo info = storages.remove(driver);
        if (info != null) {
            listeners.forEach(l -> l.driverRemoving(info));
        }
    }

    private static DriverInfo info(String kind, String name, Bundle b) {
        return new DriverInfo(kind, name, b == null ? "?" : b.getSymbolicName(),
                b == null ? "?" : b.getVersion().toString());
    }

    @Override
    public Collection<FormatDriver> formats() {
        return List.copyOf(formats.keySet());
    }

    @Override
    public Collection<StorageDriver> storages() {
        return List.copyOf(storages.keySet());
    }

    /** Every driver, formats first, each kind by name. */
    public List<DriverInfo> list() {
        List<DriverInfo> all = new ArrayList<>(formats.values());
        all.addAll(storages.values());
        all.sort(Comparator.comparing(DriverInfo::kind).thenComparing(DriverInfo::name));
        return all;
    }

    public void addListener(DriverListener l) {
        listeners.add(l);
    }

    public void removeListener(DriverListener l) {
        listeners.remove(l);
    }
}
