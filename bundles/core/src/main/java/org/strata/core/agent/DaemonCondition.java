package org.strata.core.agent;

import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.condition.Condition;

/**
 * Registers the condition {@code strata.daemon} when the framework runs as the daemon ({@link Mode#PROPERTY}).
 * Components that only the daemon needs from its start (restoring nodes and exports, the metrics endpoint, the
 * report on refused bundles) name it as their satisfying condition ({@code property = }{@link #ONLY_IN_DAEMON}):
 * in a {@code strata run} they are never satisfied, so neither they nor what they reference are activated, and a
 * run starts only what its command uses.
 */
@Component(immediate = true, service = {})
public final class DaemonCondition {

    /** The condition's identifier, {@link Condition#CONDITION_ID}. */
    public static final String ID = "strata.daemon";
    /** The satisfying condition target of a daemon-only component. */
    public static final String TARGET = "(" + Condition.CONDITION_ID + "=" + ID + ")";
    /** The component property that makes a component wait for {@link #TARGET} (Declarative Services 1.5). */
    public static final String ONLY_IN_DAEMON = "osgi.ds.satisfying.condition.target=" + TARGET;

    private final ServiceRegistration<Condition> registration;

    @Activate
    public DaemonCondition(BundleContext context) {
        if (Mode.parse(context.getProperty(Mode.PROPERTY)) == Mode.DAEMON) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put(Condition.CONDITION_ID, ID);
            registration = context.registerService(Condition.class, Condition.INSTANCE, properties);
        } else {
            registration = null;
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
    }
}
