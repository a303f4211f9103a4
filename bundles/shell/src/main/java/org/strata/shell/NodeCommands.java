package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.function.Supplier;

import org.strata.api.CacheMode;
import org.strata.cli.Options;
import org.strata.core.agent.Node;
import org.strata.core.agent.NodeManager;
import org.strata.nbd.Exports;

/** {@code node:add}, {@code node:list}, {@code node:remove}: the images the daemon keeps open. */
final class NodeCommands {

    private NodeCommands() {
    }

    static List<Command> all(Supplier<NodeManager> nodes, Supplier<Exports> exports) {
        return List.of(new Add(nodes), new ListNodes(nodes), new Remove(nodes, exports));
    }

    private static void requireDaemon(Supplier<NodeManager> nodes, String command) throws CommandFailure {
        if (!nodes.get().isPersistent()) {
            throw new CommandFailure(command + " keeps images open in the daemon: run it with 'strata exec'", 1);
        }
    }

    static final class Add implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("node:add", "FILE")
                .value('f', "format", "FMT", ImageCommand.FORMAT_HELP)
                .value('n', "name", "NAME", "the node's name (default: the file name without extension)")
                .flag('r', "read-only", "open read-only (otherwise the node is locked against other writers)")
                .value('t', "cache", "CACHE", "the cache mode: writeback (default), writethrough, none, directsync,"
                        + " unsafe")
                .value((char) 0, "allow-root", ImageCommand.ALLOW_ROOT_ARGUMENT, ImageCommand.ALLOW_ROOT_HELP)
                .repeatable();

        private final Supplier<NodeManager> nodes;

        Add(Supplier<NodeManager> nodes) {
            this.nodes = nodes;
        }

        @Override
        public String summary() {
            return "open an image (with its backing chain) in the agent, persisted across restarts";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) throws Exception {
            Options o = OPTIONS.parse(inv.args);
            String file = o.operands(1, 1, "filename").get(0);
            CacheMode cache = ImageCommand.cacheMode(o, CacheMode.WRITEBACK);
            requireDaemon(nodes, name());
            Node n = nodes.get().add(o.get("name"), file, o.get("format"), o.has("read-only"), cache, inv.cwd,
                    inv.allowRoots(o));
            inv.out.println("Node '" + n.name() + "' added: " + n.spec().file() + " (" + n.spec().format()
                    + (n.spec().readOnly() ? ", read-only" : "") + ")");
            return 0;
        }
    }

    static final class ListNodes implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("node:list", "")
                .value((char) 0, "output", "human|json", "human (default) or json")
                .note("STATE attached: serving; draining: finishing its requests before it is flushed and closed"
                        + " (its driver is being replaced); detached: closed until a driver lets it open again");

        private final Supplier<NodeManager> nodes;

        ListNodes(Supplier<NodeManager> nodes) {
            this.nodes = nodes;
        }

        @Override
        public String summary() {
            return "list the agent's nodes: state, chain, and the driver bundles serving each";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) {
            Options o = OPTIONS.parse(inv.args);
            o.operands(0, 0, "no arguments");
            List<Node> list = nodes.get().list();
            if (o.json()) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Node n : list) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", n.name());
                    m.put("file", n.spec().file());
                    m.put("format", n.spec().format());
                    m.put("read-only", n.spec().readOnly());
                    m.put("cache", n.spec().cache());
                    Node.State state = n.state();
                    m.put("state", state.label());
                    m.put("attached", state == Node.State.ATTACHED);
                    if (state != Node.State.ATTACHED) {
                        m.put("detach-reason", n.detachReason());
                    }
                    m.put("drivers", n.drivers().stream().map(DriverListCommand::json).toList());
                    List<Map<String, Object>> chain = new ArrayList<>();
                    for (Node.Layer l : n.chain()) {
                        Map<String, Object> lm = new LinkedHashMap<>();
                        lm.put("file", l.file());
                        lm.put("format", l.format());
                        chain.add(lm);
                    }
                    m.put("chain", chain);
                    out.add(m);
                }
                inv.out.println(Json.GSON.toJson(out));
            } else {
                Table table = new Table("NAME", "STATE", "FORMAT", "RW", "FILE");
                for (Node n : list) {
                    Node.State state = n.state();
                    table.row(n.name(), state.label(), n.spec().format(), n.spec().readOnly() ? "ro" : "rw",
                            n.spec().file());
                    List<Node.Layer> chain = n.chain();
                    for (int i = 1; i < chain.size(); i++) {
                        table.row("", "backing", chain.get(i).format(), "ro", chain.get(i).file());
                    }
                    if (!n.drivers().isEmpty()) {
                        table.row("", "drivers", n.drivers().stream()
                                .map(d -> d.bundle() + " " + d.version()).collect(Collectors.joining(", ")));
                    }
                    if (state != Node.State.ATTACHED) {
                        table.row("", "(" + n.detachReason() + ")");
                    }
                }
                table.print(inv.out);
            }
            return 0;
        }
    }

    static final class Remove implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("node:remove", "NAME");

        private final Supplier<NodeManager> nodes;
        private final Supplier<Exports> exports;

        Remove(Supplier<NodeManager> nodes, Supplier<Exports> exports) {
            this.nodes = nodes;
            this.exports = exports;
        }

        @Override
        public String summary() {
            return "flush and close a node, and forget it";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) throws Exception {
            Options o = OPTIONS.parse(inv.args);
            String name = o.operands(1, 1, "a node name").get(0);
            for (Exports.Spec e : exports.get().specs()) {
                if (e.node().equals(name)) {
                    throw new CommandFailure("Node '" + name + "' is exported as '" + e.name()
                            + "': remove the export first (export:remove " + e.name() + ")", 1);
                }
            }
            nodes.get().remove(name);
            inv.out.println("Node '" + name + "' removed");
            return 0;
        }
    }
}
