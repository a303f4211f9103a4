package org.strata.launcher.framework;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.strata.cli.wire.Endpoint;
import org.strata.launcher.LauncherException;

/**
 * Waits for the ctl bundle to report its socket: it registers a service with {@code strata.ctl.socket} once
 * listening, or one with {@code strata.ctl.error} when it could not listen.
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
}
