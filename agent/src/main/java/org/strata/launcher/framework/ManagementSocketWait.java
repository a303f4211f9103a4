package org.strata.launcher.framework;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.strata.cli.wire.Endpoint;
import org.strata.launcher.LauncherException;

/**
 * Waits for the ctl bundle to report its socket: it registers a service with {@code strata.ctl.socket} once
 * listening, or one with {@code strata.ctl.error} when it could not listen. A bundle whose settings did not parse
 * has registered one with {@code strata.config.error} by then: that fails the start too.
 */
final class ManagementSocketWait {

    private final BundleContext context;

    ManagementSocketWait(BundleContext context) {
        this.context = context;
    }

    void await(long timeoutMillis) throws LauncherException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            ServiceReference<?>[] refs;
            try {
                refs = context.getAllServiceReferences(null,
                        "(|(" + Endpoint.SOCKET_PROPERTY + "=*)(" + Endpoint.ERROR_PROPERTY + "=*))");
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (refs != null) {
                for (ServiceReference<?> ref : refs) {
                    Object error = ref.getProperty(Endpoint.ERROR_PROPERTY);
                    if (error != null) {
                        throw new LauncherException(error.toString());
                    }
                }
                requireNoConfigurationError();
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new LauncherException("the management socket did not open within " + timeoutMillis / 1000
                        + " s (is org.strata.ctl in bundle/ and its component satisfied?)");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LauncherException("interrupted while starting");
            }
        }
    }

    private void requireNoConfigurationError() throws LauncherException {
        ServiceReference<?>[] errors;
        try {
            errors = context.getAllServiceReferences(null, "(" + Endpoint.CONFIG_ERROR_PROPERTY + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (errors != null) {
            throw new LauncherException(errors[0].getProperty(Endpoint.CONFIG_ERROR_PROPERTY).toString());
        }
    }
}
