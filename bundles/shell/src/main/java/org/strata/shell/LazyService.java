package org.strata.shell;

import java.util.function.Supplier;

import org.osgi.service.component.ComponentServiceObjects;

/**
 * A service the commands obtain when one of them first uses it, and keep until the shell goes. Registering the
 * commands thus activates nothing: a {@code strata run} activates only what its command uses (an image command
 * no node manager, NBD server, jobs, health checks or metrics).
 */
final class LazyService<T> implements Supplier<T> {

    private final ComponentServiceObjects<T> objects;
    private T service;

    LazyService(ComponentServiceObjects<T> objects) {
        this.objects = objects;
    }

    @Override
    public synchronized T get() {
        if (service == null) {
            service = objects.getService();
            if (service == null) { // its component failed to activate, and logged why
                throw new IllegalStateException("the agent's " + objects.getServiceReference()
                        .getProperty("component.name") + " is not available");
            }
        }
        return service;
    }

    /** Gives the service back, if a command obtained it. */
    synchronized void release() {
        if (service != null) {
            objects.ungetService(service);
            service = null;
        }
    }
}
