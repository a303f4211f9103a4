package org.strata.launcher.framework;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.framework.Felix;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.strata.cli.wire.Endpoint;
import org.strata.launcher.LauncherException;

/**
 * One Felix instance for the daemon or for a single {@code strata run}.
 * <p>
 * Bundles are started by the launcher, in this order: every bundle except Declarative Services and FileInstall
 * (libraries, Gogo, Config Admin, Strata's bundles; their components wait for SCR), then the configuration step
 * (the daemon starts FileInstall, whose first scan of etc/ and deploy/ runs synchronously; {@code run} pushes
 * etc/ itself), and SCR last: every component activates once, with its configuration and drivers in place.
 * The agent's bundles sit one start level above the drivers, so they stop first (see {@link #AGENT_START_LEVEL}).
 */
final class AgentFramework {

    static final String SCR = "org.apache.felix.scr";
    static final String FILEINSTALL = "org.apache.felix.fileinstall";
    static final String CTL = "org.strata.ctl";
    /**
     * The start level of the agent's own bundles (bundle/); drivers (deploy/) keep the default, 1. A framework
     * stops its bundles from the highest level down, so on stop the exports and nodes are flushed and closed
     * while the drivers they use still run, and no driver leaves under a live node.
     */
    static final int AGENT_START_LEVEL = 2;

    private final Felix felix;

    private AgentFramework(Felix felix) {
        this.felix = felix;
    }

    /**
     * @param storage the framework properties of its cache: {@link #freshStorage} or a run's
     *                ({@link RunStorage#frameworkProperties})
     */
    static AgentFramework start(File home, String mode, Map<String, String> storage, boolean debug)
            throws LauncherException {
        Map<String, String> launcher = new HashMap<>(storage);
        launcher.put(Endpoint.HOME_PROPERTY, home.getPath());
        launcher.put(Endpoint.MODE_PROPERTY, mode);
        launcher.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, Integer.toString(AGENT_START_LEVEL));
        Map<String, String> properties = FrameworkProperties.load(home, launcher);
        ProcessLog.configure(mode, debug, home, properties);
        Map<String, Object> config = new HashMap<>(properties);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, systemPackagesExtra(config));
        config.put("felix.log.logger", new FrameworkLogger());
        Felix felix = new Felix(config);
        try {
            felix.init();
            felix.start();
        } catch (BundleException | RuntimeException e) {
            stopQuietly(felix);
            throw new LauncherException("cannot start the OSGi framework: " + e.getMessage(), e);
        }
        return new AgentFramework(felix);
    }

    /** The properties of a framework cache in {@code dir} that is emptied when the framework starts. */
    static Map<String, String> freshStorage(File dir) {
        Map<String, String> properties = new HashMap<>();
        properties.put(Constants.FRAMEWORK_STORAGE, dir.getPath());
        properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        return properties;
    }

    /**
     * The packages the system bundle exports from the launcher's class path: the launcher's own
     * ({@link Endpoint#SYSTEM_PACKAGE}, which the ctl bundle imports), then any that etc/config.properties names.
     */
    private static String systemPackagesExtra(Map<String, Object> config) {
        Object configured = config.get(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA);
        return configured == null || configured.toString().isBlank() ? Endpoint.SYSTEM_PACKAGE
                : Endpoint.SYSTEM_PACKAGE + "," + configured;
    }

    BundleContext context() {
        return felix.getBundleContext();
    }

    /**
     * Installs every jar of a directory, in name order (a jar installed already, from a reused cache, is
     * returned as it is).
     *
     * @param byReference read the jars in place (fast, for a short-lived framework) instead of copying them
     *                    into the framework cache (safe against a jar replaced under a running daemon)
     * @param required    a jar that fails to install is fatal; otherwise a warning
     */
    List<Bundle> install(File dir, boolean byReference, boolean required) throws LauncherException {
        File[] jars = dir.listFiles((d, name) -> name.endsWith(".jar"));
        if (jars == null) {
            if (required) {
                throw new LauncherException(dir + " is not a readable directory");
            }
            return new ArrayList<>();
        }
        Arrays.sort(jars);
        List<Bundle> bundles = new ArrayList<>();
        for (File jar : jars) {
            String location = (byReference ? "reference:" : "") + jar.toURI();
            try {
                bundles.add(felix.getBundleContext().installBundle(location));
            } catch (BundleException | RuntimeException e) {
                failure(required, "cannot install " + jar + ": " + e.getMessage(), e);
            }
        }
        return bundles;
    }

    /**
     * Puts the agent's own bundles above the drivers, so that they stop before them. A start level is written to
     * the framework cache, so only one not set yet is set (a prepared cache of {@code run} has them).
     */
    void stopBeforeDrivers(List<Bundle> agentBundles) {
        for (Bundle b : agentBundles) {
            BundleStartLevel level = b.adapt(BundleStartLevel.class);
            if (level.getStartLevel() != AGENT_START_LEVEL) {
                level.setStartLevel(AGENT_START_LEVEL);
            }
        }
    }

    /** Resolves everything installed in one pass (cheaper than letting each start resolve on its own). */
    void resolveAll() {
        felix.adapt(FrameworkWiring.class).resolveBundles(null);
    }

    /** Starts each bundle that is neither SCR nor FileInstall nor a fragment, in the given order. */
    void startLibrariesAndStrata(List<Bundle> bundles, boolean required) throws LauncherException {
        for (Bundle b : bundles) {
            String name = b.getSymbolicName();
            if (!SCR.equals(name) && !FILEINSTALL.equals(name) && !isFragment(b)) {
                startBundle(b, required);
            }
        }
    }

    void startBundle(Bundle b, boolean required) throws LauncherException {
        try {
            b.start(Bundle.START_TRANSIENT);
        } catch (BundleException | RuntimeException e) {
            failure(required, "cannot start " + describe(b) + ": " + e.getMessage(), e);
        }
    }

    static Bundle find(List<Bundle> bundles, String symbolicName) {
        for (Bundle b : bundles) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    static Bundle require(List<Bundle> bundles, String symbolicName, File dir) throws LauncherException {
        Bundle b = find(bundles, symbolicName);
        if (b == null) {
            throw new LauncherException(dir + " has no bundle " + symbolicName);
        }
        return b;
    }

    /** Blocks until the framework stops (by {@link #stop} or from inside, e.g. Gogo's stop 0). */
    void awaitStop() throws InterruptedException {
        felix.waitForStop(0);
    }

    /** Stops the framework: components deactivate, flush and close. Returns false if it did not stop in time. */
    boolean stop(long timeoutMillis) {
        try {
            felix.stop();
            FrameworkEvent event = felix.waitForStop(timeoutMillis);
            return event.getType() != FrameworkEvent.WAIT_TIMEDOUT;
        } catch (BundleException | InterruptedException | RuntimeException e) {
            return false;
        }
    }

    private static void stopQuietly(Felix felix) {
        try {
            felix.stop();
            felix.waitForStop(10_000);
        } catch (BundleException | InterruptedException | RuntimeException ignored) {
            // already failing: the caller reports the first error
        }
    }

    private static boolean isFragment(Bundle b) {
        return b.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }

    static String describe(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion() + " (" + b.getLocation() + ")";
    }

    private static void failure(boolean fatal, String message, Exception e) throws LauncherException {
        if (fatal) {
            throw new LauncherException(message, e);
        }
        System.err.println("strata: warning: " + message);
    }
}
