package org.strata.core.agent;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.Executor;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.strata.core.image.ImageOpener;
import org.strata.core.image.SharedLayers;

/**
 * Opens and creates images with the registered drivers and the agent's settings (configuration PID
 * {@code org.strata.agent}). Settings that do not parse are one ERROR line: at start the daemon then refuses to
 * start (a marker service carries the line to the launcher), at a reload the settings in force stay.
 */
@Component(service = ImageService.class, configurationPid = "org.strata.agent")
@Designate(ocd = AgentConfig.class)
public final class ImageService {

    private static final System.Logger LOG = System.getLogger("org.strata.core");
    /** The launcher's name for a settings error at start (org.strata.cli.wire.Endpoint.CONFIG_ERROR_PROPERTY). */
    private static final String CONFIG_ERROR_PROPERTY = "strata.config.error";

    private final DriverRegistry drivers;
    private final Executor ioThreads;
    private final Path home;
    private final Mode mode;
    private final Instant started = Instant.now();
    private volatile ImageOpener opener;
    private volatile AgentSettings settings;
    private final SharedLayers sharedLayers = new SharedLayers();

    @Activate
    public ImageService(@Reference DriverRegistry drivers, @Reference IoThreads ioThreads, BundleContext context,
                        Map<String, Object> properties) {
        this(drivers, ioThreads, Path.of(property(context, "strata.home", System.getProperty("user.dir"))),
                Mode.parse(context.getProperty(Mode.PROPERTY)), AgentSettings.DEFAULTS);
        try {
            configure(AgentSettings.parse(properties));
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage());
            Hashtable<String, Object> marker = new Hashtable<>();
            marker.put(CONFIG_ERROR_PROPERTY, e.getMessage());
            context.registerService(Object.class.getName(), new Object(), marker); // gone with the bundle
        }
    }

    /**
     * An image service outside a framework (tools and tests).
     *
     * @param ioThreads runs the parallel sub-requests of the images it opens
     */
    public ImageService(DriverRegistry drivers, Executor ioThreads, Path home, Mode mode, AgentSettings settings) {
        this.drivers = drivers;
        this.ioThreads = ioThreads;
        this.home = home.toAbsolutePath();
        this.mode = mode;
        configure(settings);
    }

    private static String property(BundleContext context, String name, String def) {
        String v = context.getProperty(name);
        return v != null ? v : def;
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            configure(AgentSettings.parse(properties));
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, e.getMessage() + "; the settings in force stay");
        }
    }

    private void configure(AgentSettings s) {
        this.settings = s;
        // the daemon keeps images open for long, so chains share their read-only backing images there
        this.opener = new ImageOpener(drivers, s.allowedRoots(), mode == Mode.DAEMON ? sharedLayers : null,
                ioThreads);
    }

    public ImageOpener opener() {
        return opener;
    }

    public DriverRegistry drivers() {
        return drivers;
    }

    /** The agent's home directory (bin/, etc/, var/ ...). */
    public Path home() {
        return home;
    }

    /** Whether this is the daemon or a short-lived {@code strata run}. */
    public Mode mode() {
        return mode;
    }

    public Instant started() {
        return started;
    }

    /** Whether node:add opens only images below the configured allowed roots (nodes.restrict.to.roots). */
    public boolean restrictNodesToRoots() {
        return settings.restrictNodesToRoots();
    }

    /** Seconds a request to a detached node waits before it fails. */
    public int pauseTimeout() {
        return settings.pauseTimeoutSeconds();
    }
}
