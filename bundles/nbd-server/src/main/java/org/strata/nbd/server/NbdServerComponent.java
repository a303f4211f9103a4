package org.strata.nbd.server;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.strata.core.agent.ConfigFile;
import org.strata.core.agent.ImageHandle;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.metrics.Metrics;
import org.strata.nbd.ExportInfo;
import org.strata.nbd.NbdServer;

/**
 * The NBD server as a service: listens from activation to deactivation. Configuration PID {@code org.strata.nbd}
 * ({@code etc/org.strata.nbd.cfg}); the environment variable {@code STRATA_NBD_LISTEN} overrides {@code listen}.
 * Changing the configuration rebinds the listeners and keeps the exports; a configuration that does not check
 * changes nothing.
 */
@Component(service = NbdServer.class, configurationPid = NbdServerComponent.PID)
@Designate(ocd = NbdServerComponent.Config.class)
public final class NbdServerComponent implements NbdServer {

    static final String PID = "org.strata.nbd";

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");

    @ObjectClassDefinition(name = "Strata NBD server", description = "Where the NBD server listens, and TLS")
    public @interface Config {
        @AttributeDefinition(description = "HOST:PORT or unix:PATH, several separated by commas; "
                + "the environment variable STRATA_NBD_LISTEN overrides it")
        String listen() default ListenAddress.DEFAULT;

        @AttributeDefinition(name = "tls.cert", required = false,
                description = "PEM certificate chain; with tls.key, every client must use TLS")
        String tls_cert() default "";

        @AttributeDefinition(name = "tls.key", required = false, description = "PEM (PKCS#8) private key")
        String tls_key() default "";

        @AttributeDefinition(name = "allow.clients", required = false, description = "Address blocks (CIDR, "
                + "comma-separated) TCP clients must come from; empty: every client")
        String allow_clients() default "";
    }

    @Reference
    private ImageService images;
    @Reference
    private Metrics metrics;
    private NbdServerCore server;
    private String home;
    private boolean listening;

    @Activate
    void activate(Config config, org.osgi.framework.BundleContext context, Map<String, Object> properties) {
        home = context.getProperty("strata.home");
        server = new NbdServerCore(ServerLimits.DEFAULTS, metrics);
        // a short-lived `strata run` serves nothing: only the daemon listens
        listening = images.mode() == Mode.DAEMON;
        configure(config, properties);
    }

    /** Starts outside a framework (tests): listens, with no home for relative TLS paths. */
    void start(Config config) {
        server = new NbdServerCore();
        listening = true;
        configure(config, Map.of());
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        configure(config, properties);
    }

    @Deactivate
    void deactivate() {
        server.close();
    }

    /**
     * Applies a configuration only once all of it checks: a bad setting is one ERROR line and changes nothing,
     * so the listeners in force keep serving (at start there are none: NBD stays off rather than guessing).
     */
    private void configure(Config config, Map<String, Object> properties) {
        if (!listening) {
            return;
        }
        try {
            server.apply(ServerSettings.parse(config, home, System.getenv()));
        } catch (IOException | IllegalArgumentException e) {
            List<String> inForce = server.listenAddresses();
            LOG.log(System.Logger.Level.ERROR, "NBD server: " + ConfigFile.of(properties, "configuration " + PID)
                    + ": " + e.getMessage() + (inForce.isEmpty() ? "; not listening"
                    : "; still listening on " + String.join(", ", inForce) + " as before"));
        }
    }

    @Override
    public void addExport(String name, String description, ImageHandle handle, boolean writable) throws IOException {
        server.addExport(name, description, handle, writable);
    }

    @Override
    public boolean removeExport(String name) throws IOException {
        return server.removeExport(name);
    }

    @Override
    public List<ExportInfo> exports() {
        return server.exports();
    }

    @Override
    public List<String> listenAddresses() {
        return server.listenAddresses();
    }
}
