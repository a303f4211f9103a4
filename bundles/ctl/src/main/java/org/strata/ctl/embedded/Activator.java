package org.strata.ctl.embedded;

import org.osgi.annotation.bundle.Header;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.strata.cli.wire.EmbeddedAgent;
import org.strata.cli.wire.Endpoint;

/**
 * In a framework started by {@code strata run}, registers the {@link EmbeddedAgent} service as soon as this
 * bundle starts: the launcher needs it before Declarative Services runs (to push etc/ first), so it cannot be a
 * component. The framework unregisters it when the bundle stops.
 */
@Header(name = Constants.BUNDLE_ACTIVATOR, value = "${@class}")
public final class Activator implements BundleActivator {

    @Override
    public void start(BundleContext context) {
        if (Endpoint.RUN.equals(context.getProperty(Endpoint.MODE_PROPERTY))) {
            context.registerService(EmbeddedAgent.class, new EmbeddedRunner(context), null);
        }
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the service
    }
}
