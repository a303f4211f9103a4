package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.cli.Options;
import org.strata.core.agent.DriverInfo;
import org.strata.core.agent.DriverRegistry;
import org.strata.core.agent.DriverStatus;

/**
 * {@code driver:list}: every format driver and storage backend registered now, with its state: the version
 * that serves its role, one being replaced or removed (draining), or an older one on standby.
 */
final class DriverListCommand implements Command {

    private static final Options.Spec OPTIONS = new Options.Spec("driver:list", "")
            .value((char) 0, "output", "human|json", "human (default) or json")
            .note("STATE serving: the version images open with (the highest registered); draining: being replaced"
                    + " or removed, its nodes are moving off it; standby: beside a higher version, serves again if"
                    + " that one leaves");

    private final DriverRegistry drivers;

    DriverListCommand(DriverRegistry drivers) {
        this.drivers = drivers;
    }

    @Override
    public String summary() {
        return "list the format drivers and storage backends registered now";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) {
        Options o = OPTIONS.parse(inv.args);
        o.operands(0, 0, "no arguments");
        List<DriverStatus> list = drivers.list();
        if (o.json()) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (DriverStatus d : list) {
                Map<String, Object> m = json(d.driver());
                m.put("state", d.state().label());
                out.add(m);
            }
            inv.out.println(Json.GSON.toJson(out));
        } else {
            Table table = new Table("KIND", "NAME", "BUNDLE", "VERSION", "STATE");
            for (DriverStatus s : list) {
                DriverInfo d = s.driver();
                table.row(d.kind(), d.name(), d.bundle(), d.version(), s.state().label());
            }
            table.print(inv.out);
        }
        return 0;
    }

    /** A driver as JSON: kind, name, bundle, version. */
    static Map<String, Object> json(DriverInfo d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", d.kind());
        m.put("name", d.name());
        m.put("bundle", d.bundle());
        m.put("version", d.version());
        return m;
    }
}
