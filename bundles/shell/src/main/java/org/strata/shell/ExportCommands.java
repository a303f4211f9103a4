package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.strata.cli.Options;
import org.strata.nbd.ExportInfo;
import org.strata.nbd.Exports;

/** {@code export:add}, {@code export:list}, {@code export:remove}: nodes served over NBD. */
final class ExportCommands {

    private ExportCommands() {
    }

    static List<Command> all(Supplier<Exports> exports, boolean daemon) {
        return List.of(new Add(exports, daemon), new ListExports(exports), new Remove(exports));
    }

    static final class Add implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("export:add", "NODE")
                .value('n', "name", "NAME", "the export name clients ask for (default: the node's name)")
                .flag('w', "writable", "let clients write (the node must be writable)");

        private final Supplier<Exports> exports;
        private final boolean daemon;

        Add(Supplier<Exports> exports, boolean daemon) {
            this.exports = exports;
            this.daemon = daemon;
        }

        @Override
        public String summary() {
            return "serve a node over NBD (persisted across restarts)";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) throws Exception {
            Options o = OPTIONS.parse(inv.args);
            String node = o.operands(1, 1, "a node name").get(0);
            if (!daemon) {
                throw new CommandFailure("export:add serves a node of the daemon: run it with 'strata exec'", 1);
            }
            String name = o.get("name", node);
            exports.get().add(new Exports.Spec(name, node, o.has("writable")));
            List<String> at = exports.get().listenAddresses();
            inv.out.println("Export '" + name + "' of node '" + node + "' added ("
                    + (o.has("writable") ? "writable" : "read-only") + ")"
                    + (at.isEmpty() ? "" : ": " + url(at.get(0), name)));
            return 0;
        }

        private static String url(String address, String export) {
            return address.startsWith("unix:") ? "nbd+unix:///" + export + "?socket=" + address.substring(5)
                    : "nbd://" + address + "/" + export;
        }
    }

    static final class ListExports implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("export:list", "")
                .value((char) 0, "output", "human|json", "human (default) or json");

        private final Supplier<Exports> exports;

        ListExports(Supplier<Exports> exports) {
            this.exports = exports;
        }

        @Override
        public String summary() {
            return "list the NBD exports";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) {
            Options o = OPTIONS.parse(inv.args);
            o.operands(0, 0, "no arguments");
            Map<String, ExportInfo> served = new LinkedHashMap<>();
            for (ExportInfo e : exports.get().served()) {
                served.put(e.name(), e);
            }
            if (o.json()) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Exports.Spec s : exports.get().specs()) {
                    ExportInfo e = served.get(s.name());
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", s.name());
                    m.put("node", s.node());
                    m.put("writable", s.writable());
                    m.put("serving", e != null);
                    m.put("size", e == null ? null : e.size());
                    m.put("connections", e == null ? 0 : e.connections());
                    out.add(m);
                }
                Map<String, Object> all = new LinkedHashMap<>();
                all.put("listening", exports.get().listenAddresses());
                all.put("exports", out);
                inv.out.println(Json.GSON.toJson(all));
            } else {
                inv.out.println("listening: " + String.join(", ", exports.get().listenAddresses()));
                Table table = new Table("NAME", "NODE", "RW", "CLIENTS", "STATE");
                for (Exports.Spec s : exports.get().specs()) {
                    ExportInfo e = served.get(s.name());
                    table.row(s.name(), s.node(), s.writable() ? "rw" : "ro", e == null ? 0 : e.connections(),
                            e == null ? "waiting for its node" : "serving");
                }
                table.print(inv.out);
            }
            return 0;
        }
    }

    static final class Remove implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("export:remove", "NAME");

        private final Supplier<Exports> exports;

        Remove(Supplier<Exports> exports) {
            this.exports = exports;
        }

        @Override
        public String summary() {
            return "stop serving an export (in-flight requests finish, the image is flushed)";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) throws Exception {
            String name = OPTIONS.parse(inv.args).operands(1, 1, "an export name").get(0);
            if (!exports.get().remove(name)) {
                throw new CommandFailure("Export '" + name + "' not found", 1);
            }
            inv.out.println("Export '" + name + "' removed");
            return 0;
        }
    }
}
