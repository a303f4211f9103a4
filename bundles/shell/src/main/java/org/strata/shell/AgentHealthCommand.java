package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.strata.cli.Options;
import org.strata.core.health.Health;

/** {@code agent:health}: every health check's status and reason; the exit status is the worst one's. */
final class AgentHealthCommand implements Command {

    private static final Options.Spec OPTIONS = new Options.Spec("agent:health", "")
            .value((char) 0, "output", "human|json", "human (default) or json")
            .note("CHECKS drivers: every driver the nodes need is bound; nodes: every node is attached; disk-space:"
                    + " free space under the image roots; nbd-listener: the NBD server listens")
            .note("EXIT STATUS 0 all OK, 1 a warning, 2 something critical");

    private final Supplier<Health> health;

    AgentHealthCommand(Supplier<Health> health) {
        this.health = health;
    }

    @Override
    public String summary() {
        return "check the agent's health: drivers, nodes, free space, NBD listener (exit 0 OK, 1 warning, 2 critical)";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) {
        Options o = OPTIONS.parse(inv.args);
        o.operands(0, 0, "no arguments");
        Health.Report report = health.get().run();
        if (o.json()) {
            List<Map<String, Object>> checks = new ArrayList<>();
            for (Health.Finding f : report.findings()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", f.check());
                m.put("status", f.result().status().label());
                m.put("message", f.result().message());
                checks.add(m);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", report.status().label());
            m.put("checks", checks);
            inv.out.println(Json.GSON.toJson(m));
        } else {
            for (Health.Finding f : report.findings()) {
                inv.out.printf("%-9s %-13s %s%n", f.result().status(), f.check(), f.result().message());
            }
            inv.out.println("status: " + report.status());
        }
        return report.status().exitCode();
    }
}
