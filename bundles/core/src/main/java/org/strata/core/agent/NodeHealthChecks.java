package org.strata.core.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.strata.core.health.HealthCheck;

/**
 * The health of the nodes: every driver they need is bound ({@link Drivers}), and they are attached
 * ({@link Attached}).
 */
final class NodeHealthChecks {

    private NodeHealthChecks() {
    }

    /** Critical when a role a node needs ("format:qcow2") has no driver serving it. */
    @Component(service = HealthCheck.class)
    public static final class Drivers implements HealthCheck {
        private final NodeManager nodes;
        private final DriverRegistry registry;

        @Activate
        public Drivers(@Reference NodeManager nodes, @Reference DriverRegistry registry) {
            this.nodes = nodes;
            this.registry = registry;
        }

        @Override
        public String name() {
            return "drivers";
        }

        @Override
        public Result check() {
            List<String> missing = new ArrayList<>();
            List<Node> all = nodes.list();
            for (Node n : all) {
                for (String role : needed(n)) {
                    if (registry.serving(role) == null) {
                        missing.add("node " + n.name() + " needs " + role);
                    }
                }
            }
            return missing.isEmpty() ? Result.ok(all.size() + " node(s), every driver they need is bound")
                    : Result.critical("no driver bound: " + String.join(", ", missing));
        }

        /** The roles of the node's chain when it last attached; before that, at least its format. */
        private static Set<String> needed(Node n) {
            Set<String> roles = n.roles();
            return roles.isEmpty() && n.spec().format() != null ? Set.of(DriverInfo.role("format", n.spec().format()))
                    : roles;
        }
    }

    /** Critical when a node is detached, a warning while one drains (its driver being replaced). */
    @Component(service = HealthCheck.class)
    public static final class Attached implements HealthCheck {
        private final NodeManager nodes;

        @Activate
        public Attached(@Reference NodeManager nodes) {
            this.nodes = nodes;
        }

        @Override
        public String name() {
            return "nodes";
        }

        @Override
        public Result check() {
            List<String> detached = new ArrayList<>();
            List<String> draining = new ArrayList<>();
            List<Node> all = nodes.list();
            for (Node n : all) {
                switch (n.state()) {
                    case DETACHED -> detached.add(n.name() + " (" + n.detachReason() + ")");
                    case DRAINING -> draining.add(n.name());
                    default -> {
                    }
                }
            }
            if (!detached.isEmpty()) {
                return Result.critical("detached: " + String.join(", ", detached));
            }
            if (!draining.isEmpty()) {
                return Result.warning("draining (a driver is being replaced): " + String.join(", ", draining));
            }
            return Result.ok(all.size() + " node(s), all attached");
        }
    }
}
