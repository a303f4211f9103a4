package org.strata.ctl.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Hashtable;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.strata.cli.wire.Endpoint;

/**
 * The daemon's management socket. Listens only when the launcher set {@code strata.mode=daemon}; then it
 * registers a marker service carrying {@code strata.ctl.socket} (the path) or, when it cannot listen,
 * {@code strata.ctl.error} (one line), which the launcher waits for before it reports the daemon ready.
 * Reads {@code management.group} of the agent's configuration (PID {@code org.strata.agent}, whose other settings
 * are core's).
 */
@Component(immediate = true, service = {}, configurationPid = "org.strata.agent")
public final class ManagementSocket {

    private static final System.Logger LOG = System.getLogger("org.strata.ctl");

    /** The one setting of the agent's configuration this component reads. */
    public @interface Config {
        /** A group whose members may use the socket besides root and the daemon's user; empty for none. */
        String management_group() default "";
    }

    @Reference
    private CommandProcessor processor;

    private SocketServer server;
    private ServiceRegistration<?> marker;

    @Activate
    void activate(BundleContext context, Config config) {
        if (!Endpoint.DAEMON.equals(context.getProperty(Endpoint.MODE_PROPERTY))) {
            return;
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        String home = context.getProperty(Endpoint.HOME_PROPERTY);
        try {
            if (home == null) {
                throw new IOException("the framework property strata.home is not set");
            }
            server = SocketServer.open(Path.of(home, Endpoint.RUN_DIRECTORY), processor);
            properties.put(Endpoint.SOCKET_PROPERTY, server.socket().toString());
            allowGroup(config);
        } catch (IOException | RuntimeException e) {
            properties.put(Endpoint.ERROR_PROPERTY, "cannot open the management socket in " + home + "/run: "
                    + CommandRunner.oneLine(e));
        }
        marker = context.registerService(ManagementSocket.class, this, properties);
    }

    @Modified
    void modified(Config config) {
        if (server != null) {
            allowGroup(config);
        }
    }

    /** A group that cannot be let in leaves the socket as it was (owner only at start), and says why. */
    private void allowGroup(Config config) {
        try {
            server.allowGroup(config.management_group());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "management socket: " + CommandRunner.oneLine(e));
        }
    }

    @Deactivate
    void deactivate() {
        if (marker != null) {
            marker.unregister();
            marker = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
