package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.core.agent.DriverInfo;
import org.strata.core.agent.DriverRegistry;

/** {@code driver:list}: every format driver and storage backend registered now. */
final class DriverListCommand implements Command {

    private final DriverRegistry drivers;

    DriverListCommand(DriverRegistry drivers) {
        this.drivers = drivers;
    }

    @Override
    public String name() {
        return "driver:list";
    }

    @Override
    public String usage() {
        return "usage: driver:list [--output=human|json]";
    }

    @Override
    public int run(Invocation inv) {
        Options o = new Options.Spec().value((char) 0, "output").parse(inv.args);
        o.operands(0, 0, "no arguments");
        List<DriverInfo> list = drivers.list();
        if (o.json()) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (DriverInfo d : list) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", d.kind());
                m.put("name", d.name());
                m.put("bundle", d.bundle());
                m.put("version", d.version());
                out.add(m);
            }
            inv.out.println(Json.GSON.toJson(out));
        } else {
            inv.out.printf("%-8s %-8s %-28s %s%n", "KIND", "NAME", "BUNDLE", "VERSION");
            for (DriverInfo d : list) {
                inv.out.printf("%-8s %-8s %-28s %s%n", d.kind(), d.name(), d.bundle(), d.version());
            }
        }
        return 0;
    }
}
