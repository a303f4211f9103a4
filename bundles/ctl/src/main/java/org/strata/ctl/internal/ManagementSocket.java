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
import org.osgi.service.component.annotations.Reference;
import org.strata.cli.wire.Endpoint;

/**
 * The daemon's management socket. Listens only when the launcher set {@code strata.mode=daemon}; then it
 * registers a marker service carrying {@code strata.ctl.socket} (the path) or, when it cannot listen,
 * {@code strata.ctl.error} (one line), which the launcher waits for before it reports the daemon ready.
 */
@Component(immediate = true, service = {})
public final class ManagementSocket {

    @Reference
    private CommandProcessor processor;

    private SocketServer server;
    private ServiceRegistration<?> marker;

    @Activate
    void activate(BundleContext context) {
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
        } catch (IOException | RuntimeException e) {
            properties.put(Endpoint.ERROR_PROPERTY, "cannot open the management socket in " + home + "/run: "
                    + CommandRunner.oneLine(e));
        }
        marker = context.registerService(ManagementSocket.class, this, properties);
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
