package org.strata.ctl.embedded;

import java.nio.file.Path;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.strata.cli.wire.EmbeddedAgent;
import org.strata.cli.wire.Endpoint;

/**
 * In a framework started by {@code strata run}, registers the {@link EmbeddedAgent} service as soon as this
 * bundle starts: the launcher needs it before Declarative Services runs (to push etc/ first), so it cannot be a
 * component. The framework unregisters it when the bundle stops. In the daemon, checks the configuration files of
 * etc/ ({@link ConfigFileCheck}) before the management socket opens.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class Activator implements BundleActivator {

    private ConfigFileCheck configCheck;

    @Override
    public void start(BundleContext context) {
        String mode = context.getProperty(Endpoint.MODE_PROPERTY);
        if (Endpoint.RUN.equals(mode)) {
            context.registerService(EmbeddedAgent.class, new EmbeddedRunner(context), null);
        } else if (Endpoint.DAEMON.equals(mode) && context.getProperty(Endpoint.HOME_PROPERTY) != null) {
            configCheck = ConfigFileCheck.start(context, Path.of(context.getProperty(Endpoint.HOME_PROPERTY), "etc"));
        }
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the services
        if (configCheck != null) {
            configCheck.close();
        }
    }
}
