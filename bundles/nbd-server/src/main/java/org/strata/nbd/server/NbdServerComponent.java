package org.strata.nbd.server;

import java.io.IOException;
import java.nio.file.Path;
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
import org.strata.core.agent.ImageHandle;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.metrics.Metrics;
import org.strata.nbd.ExportInfo;
import org.strata.nbd.NbdServer;

/**
 * The NBD server as a service: listens from activation to deactivation. Configuration PID {@code org.strata.nbd}
 * ({@code etc/org.strata.nbd.cfg}); the environment variable {@code STRATA_NBD_LISTEN} overrides {@code listen}.
 * Changing the configuration rebinds the listeners and keeps the exports.
 */
@Component(service = NbdServer.class, immediate = true, configurationPid = NbdServerComponent.PID)
@Designate(ocd = NbdServerComponent.Config.class)
public final class NbdServerComponent implements NbdServer {

    static final String PID = "org.strata.nbd";
    static final String LISTEN_ENV = "STRATA_NBD_LISTEN";

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
    void activate(Config config, org.osgi.framework.BundleContext context) {
        home = context.getProperty("strata.home");
        server = new NbdServerCore(ServerLimits.DEFAULTS, metrics);
        // a short-lived `strata run` serves nothing: only the daemon listens
        listening = images.mode() == Mode.DAEMON;
        configure(config);
    }

    /** Starts outside a framework (tests): listens, with no home for relative TLS paths. */
    void start(Config config) {
        server = new NbdServerCore();
        listening = true;
        configure(config);
    }

    @Modified
    void modified(Config config) {
        configure(config);
    }

    @Deactivate
    void deactivate() {
        server.close();
    }

    private void configure(Config config) {
        if (!listening) {
            return;
        }
        try {
            server.setTls(tlsPath(config.tls_cert(), "tls.key", config.tls_key(), home),
                    tlsPath(config.tls_key(), "tls.cert", config.tls_cert(), home));
        } catch (IOException | IllegalArgumentException e) {
            // fail closed: never serve in the clear what was meant to be encrypted
            LOG.log(System.Logger.Level.ERROR, "NBD server not listening: bad TLS configuration: " + e.getMessage());
            stopListening();
            return;
        }
        try {
            server.setAllowedClients(ClientAllowList.parse(config.allow_clients()));
        } catch (IllegalArgumentException e) {
            // fail closed too: never let everyone in when only some were meant to be
            LOG.log(System.Logger.Level.ERROR, "NBD server not listening: " + e.getMessage());
            stopListening();
            return;
        }
        String listen = effectiveListen(config.listen(), System.getenv());
        try {
            server.listen(ListenAddress.parseList(listen));
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "NBD server: " + e.getMessage());
        }
    }

    private void stopListening() {
        try {
            server.listen(List.of());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "NBD server: " + e.getMessage());
        }
    }

    /** The listen addresses in force: the environment's STRATA_NBD_LISTEN, else the configured ones. */
    static String effectiveListen(String configured, Map<String, String> env) {
        String fromEnv = env.get(LISTEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return configured == null || configured.isBlank() ? ListenAddress.DEFAULT : configured;
    }

    /**
     * A TLS file path, relative ones resolved against {@code ${strata.home}/etc}; null when TLS is off.
     * Both files must be given or neither.
     */
    static Path tlsPath(String value, String otherName, String other, String home) {
        boolean set = value != null && !value.isBlank();
        boolean otherSet = other != null && !other.isBlank();
        if (set != otherSet) {
            throw new IllegalArgumentException("tls.cert and tls.key must be given together (" + otherName
                    + " is " + (otherSet ? "set" : "missing") + ")");
        }
        if (!set) {
            return null;
        }
        Path p = Path.of(value.trim());
        if (!p.isAbsolute() && home != null) {
            p = Path.of(home, "etc").resolve(p);
        }
        return p;
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
