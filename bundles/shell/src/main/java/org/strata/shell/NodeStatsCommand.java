package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.strata.cli.Options;
import org.strata.core.agent.NodeManager;
import org.strata.core.metrics.IoStats;
import org.strata.core.metrics.Metrics;

/** {@code node:stats [NAME]}: the requests each node and each export has served since it was added. */
final class NodeStatsCommand implements Command {

    private static final Options.Spec OPTIONS = new Options.Spec("node:stats", "[NAME]")
            .value((char) 0, "output", "human|json", "human (default) or json")
            .note("NAME a node: that node and its exports; without it, every node and export")
            .note("Latency percentiles are the upper bounds of histogram buckets that double from 1 us; a request"
                    + " counts from when the server has read it to when its reply is sent");

    private static final double[] PERCENTILES = {0.5, 0.9, 0.99};

    private final Supplier<NodeManager> nodes;
    private final Supplier<Metrics> metrics;

    NodeStatsCommand(Supplier<NodeManager> nodes, Supplier<Metrics> metrics) {
        this.nodes = nodes;
        this.metrics = metrics;
    }

    @Override
    public String summary() {
        return "show each node's and export's requests, bytes, errors, requests in flight and latency percentiles";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) {
        Options o = OPTIONS.parse(inv.args);
        List<String> operands = o.operands(0, 1, "at most one node name");
        String node = operands.isEmpty() ? null : nodes.get().get(operands.get(0)).name();
        List<IoStats.Snapshot> shown = new ArrayList<>();
        for (IoStats.Snapshot s : metrics.get().snapshots()) {
            if (node == null || node.equals(s.target().node())) {
                shown.add(s);
            }
        }
        if (o.json()) {
            inv.out.println(Json.GSON.toJson(shown.stream().map(NodeStatsCommand::json).toList()));
        } else {
            inv.out.printf("%-6s %-16s %9s %7s %9s %12s %12s %8s %8s %8s%n", "TYPE", "NAME", "REQUESTS", "ERRORS",
                    "INFLIGHT", "READ", "WRITTEN", "P50", "P90", "P99");
            for (IoStats.Snapshot s : shown) {
                inv.out.printf("%-6s %-16s %9d %7d %9d %12d %12d %8s %8s %8s%n", s.target().kind(), s.target().name(),
                        s.requests(), s.errors(), s.inFlight(), s.bytesRead(), s.bytesWritten(),
                        duration(s.percentileMicros(PERCENTILES[0])), duration(s.percentileMicros(PERCENTILES[1])),
                        duration(s.percentileMicros(PERCENTILES[2])));
            }
        }
        return 0;
    }

    private static Map<String, Object> json(IoStats.Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", s.target().kind());
        m.put("name", s.target().name());
        m.put("node", s.target().node());
        m.put("requests", s.requests());
        m.put("errors", s.errors());
        m.put("in-flight", s.inFlight());
        m.put("bytes-read", s.bytesRead());
        m.put("bytes-written", s.bytesWritten());
        Map<String, Object> latency = new LinkedHashMap<>();
        for (double q : PERCENTILES) {
            latency.put("p" + Math.round(q * 100), s.percentileMicros(q));
        }
        m.put("latency-us", latency);
        return m;
    }

    /** 512us, 2.0ms, 1.0s. */
    private static String duration(long micros) {
        if (micros < 1000) {
            return micros + "us";
        }
        return micros < 1_000_000 ? String.format("%.1fms", micros / 1e3) : String.format("%.1fs", micros / 1e6);
    }
}
