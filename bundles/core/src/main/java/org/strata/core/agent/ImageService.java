package org.strata.core.agent;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.strata.core.image.ImageOpener;
import org.strata.core.image.SharedLayers;

/** Opens and creates images with the registered drivers and the agent's configured allowed roots. */
@Component(service = ImageService.class, configurationPid = "org.strata.agent")
@Designate(ocd = AgentConfig.class)
public final class ImageService {

    private final DriverRegistry drivers;
    private final Executor ioThreads;
    private final Path home;
    private final Mode mode;
    private final Instant started = Instant.now();
    private volatile ImageOpener opener;
    private volatile int pauseTimeout;
    private final SharedLayers sharedLayers = new SharedLayers();

    @Activate
    public ImageService(@Reference DriverRegistry drivers, @Reference IoThreads ioThreads, BundleContext context,
                        AgentConfig config) {
        this(drivers, ioThreads, Path.of(property(context, "strata.home", System.getProperty("user.dir"))),
                Mode.parse(context.getProperty(Mode.PROPERTY)), List.of(config.allowed_roots()),
                config.pause_timeout());
    }

    /**
     * An image service outside a framework (tools and tests).
     *
     * @param ioThreads runs the parallel sub-requests of the images it opens
     */
    public ImageService(DriverRegistry drivers, Executor ioThreads, Path home, Mode mode, List<String> allowedRoots,
                        int pauseTimeoutSeconds) {
        this.drivers = drivers;
        this.ioThreads = ioThreads;
        this.home = home.toAbsolutePath();
        this.mode = mode;
        configure(allowedRoots, pauseTimeoutSeconds);
    }

    private static String property(BundleContext context, String name, String def) {
        String v = context.getProperty(name);
        return v != null ? v : def;
    }

    @Modified
    void modified(AgentConfig c) {
        configure(List.of(c.allowed_roots()), c.pause_timeout());
    }

    private void configure(List<String> allowedRoots, int pauseTimeoutSeconds) {
        this.pauseTimeout = pauseTimeoutSeconds;
        // the daemon keeps images open for long, so chains share their read-only backing images there
        this.opener = new ImageOpener(drivers, allowedRoots, mode == Mode.DAEMON ? sharedLayers : null, ioThreads);
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

    /** Seconds a request to a detached node waits before it fails. */
    public int pauseTimeout() {
        return pauseTimeout;
    }
}
