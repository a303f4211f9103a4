package org.strata.core.agent;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Says in one log line, once, why a bundle dropped into deploy/ cannot be used: what it needs that the agent
 * does not have (a driver built against another API version imports a range the agent's API is not in), and
 * which version of it keeps serving. FileInstall leaves such a bundle installed but unresolved beside the
 * serving one; nodes are not touched. Checked after each refresh (FileInstall refreshes after every change in
 * deploy/) and at start, in the daemon only ({@link DaemonCondition}).
 */
@Component(immediate = true, property = DaemonCondition.ONLY_IN_DAEMON)
public final class RefusedBundles implements FrameworkListener {

    private static final System.Logger LOG = System.getLogger(RefusedBundles.class.getName());
    private static final Pattern PACKAGE = Pattern.compile("\\(" + PackageNamespace.PACKAGE_NAMESPACE + "=([^)]+)\\)");
    private static final Pattern FLOOR = Pattern.compile("\\(version>=([^)]+)\\)");
    private static final Pattern CEILING = Pattern.compile("\\(!\\(version>=([^)]+)\\)\\)");

    private final BundleContext context;
    private final DriverRegistry registry;
    /** Bundle revisions already reported (id and last modification). */
    private final Set<String> reported = new HashSet<>();

    @Activate
    public RefusedBundles(BundleContext context, @Reference DriverRegistry registry) {
        this.context = context;
        this.registry = registry;
        context.addFrameworkListener(this);
        reportUnresolved();
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
            reportUnresolved();
        }
    }

    private synchronized void reportUnresolved() {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        for (Bundle b : context.getBundles()) {
            String revision = b.getBundleId() + "@" + b.getLastModified();
            if (b.getState() != Bundle.INSTALLED || reported.contains(revision)) {
                continue;
            }
            List<String> missing = missing(b, wiring);
            if (!missing.isEmpty()) { // otherwise it resolves once someone starts it
                reported.add(revision);
                LOG.log(System.Logger.Level.WARNING, "bundle " + b.getSymbolicName() + " " + b.getVersion() + " ("
                        + where(b) + ") refused: it needs " + String.join(" and ", missing) + "; "
                        + stillServing(b.getSymbolicName()));
            }
        }
    }

    /** The mandatory requirements of {@code b} that nothing installed can satisfy, described. */
    private List<String> missing(Bundle b, FrameworkWiring wiring) {
        BundleRevision revision = b.adapt(BundleRevision.class);
        List<String> missing = new ArrayList<>();
        if (revision == null) {
            return missing;
        }
        for (BundleRequirement r : revision.getDeclaredRequirements(null)) {
            boolean optional = Namespace.RESOLUTION_OPTIONAL.equals(
                    r.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE));
            String effective = r.getDirectives().getOrDefault(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE,
                    Namespace.EFFECTIVE_RESOLVE);
            if (!optional && Namespace.EFFECTIVE_RESOLVE.equals(effective) && wiring.findProviders(r).isEmpty()) {
                missing.add(describe(r));
            }
        }
        return missing;
    }

    private String describe(BundleRequirement r) {
        String filter = r.getDirectives().getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, "");
        Matcher name = PACKAGE.matcher(filter);
        if (!r.getNamespace().equals(PackageNamespace.PACKAGE_NAMESPACE) || !name.find()) {
            return r.getNamespace() + " " + filter;
        }
        Matcher floor = FLOOR.matcher(filter);
        Matcher ceiling = CEILING.matcher(filter);
        String range = floor.find() ? ceiling.find() ? " [" + floor.group(1) + "," + ceiling.group(1) + ")"
                : " " + floor.group(1) + " or later" : "";
        Set<String> exported = exportedVersions(name.group(1));
        return "package " + name.group(1) + range + (exported.isEmpty() ? ", which no bundle exports"
                : ", and the agent has " + String.join(", ", exported));
    }

    /** The versions of a package that resolved bundles export. */
    private Set<String> exportedVersions(String pkg) {
        Set<String> versions = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            BundleWiring w = b.adapt(BundleWiring.class);
            if (w == null) {
                continue;
            }
            for (BundleCapability c : w.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                if (pkg.equals(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                    versions.add(String.valueOf(c.getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE)));
                }
            }
        }
        return versions;
    }

    private String stillServing(String symbolicName) {
        String serving = registry.list().stream()
                .filter(d -> d.state() == DriverStatus.State.SERVING && d.driver().bundle().equals(symbolicName))
                .map(d -> d.driver().version()).distinct().collect(Collectors.joining(", "));
        return serving.isEmpty() ? "no other version of it serves" : symbolicName + " " + serving + " keeps serving";
    }

    private static String where(Bundle b) {
        String location = b.getLocation();
        try {
            return location.startsWith("file:") ? URI.create(location).getPath() : location;
        } catch (IllegalArgumentException e) {
            return location;
        }
    }
}
