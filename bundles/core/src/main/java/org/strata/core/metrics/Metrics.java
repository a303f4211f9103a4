package org.strata.core.metrics;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;

/**
 * The statistics of every live node and export. Their owners add them when they start serving and remove them
 * when they stop; readers ({@code node:stats}, the Prometheus endpoint) take snapshots.
 */
@Component(service = Metrics.class)
public final class Metrics {

    private final List<IoStats> live = new CopyOnWriteArrayList<>();

    public void add(IoStats stats) {
        live.add(stats);
    }

    public void remove(IoStats stats) {
        live.remove(stats);
    }

    /** A snapshot of each, nodes and exports in the order they were added. */
    public List<IoStats.Snapshot> snapshots() {
        return live.stream().map(IoStats::snapshot).toList();
    }
}
