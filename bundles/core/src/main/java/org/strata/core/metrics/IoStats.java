package org.strata.core.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * The requests served by one node or one export: counts, bytes, errors, requests in flight and a latency
 * histogram. Thread-safe and cheap on the request path: {@link #begin} and {@link #end} only add to counters.
 */
public final class IoStats {

    /** What is measured: a node or an export, by name, and the node it serves (a node's own name for a node). */
    public record Target(String kind, String name, String node) {
        public static final String NODE = "node";
        public static final String EXPORT = "export";

        public static Target node(String name) {
            return new Target(NODE, name, name);
        }

        public static Target export(String name, String node) {
            return new Target(EXPORT, name, node);
        }
    }

    /**
     * The counters at one moment.
     *
     * @param latencyCounts the histogram's buckets (see {@link LatencyHistogram#boundMicros})
     */
    public record Snapshot(Target target, long requests, long errors, long inFlight, long bytesRead,
                           long bytesWritten, long[] latencyCounts, long latencySumMicros) {

        public long percentileMicros(double q) {
            return LatencyHistogram.percentileMicros(latencyCounts, q);
        }
    }

    private final Target target;
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder inFlight = new LongAdder();
    private final LongAdder bytesRead = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LatencyHistogram latency = new LatencyHistogram();

    public IoStats(Target target) {
        this.target = target;
    }

    public Target target() {
        return target;
    }

    /** A request starts; returns its start time for {@link #end}. */
    public long begin() {
        inFlight.increment();
        return System.nanoTime();
    }

    /**
     * The request begun at {@code startNanos} has ended.
     *
     * @param read    bytes it read (sent to the client)
     * @param written bytes it wrote
     */
    public void end(long startNanos, long read, long written, boolean failed) {
        latency.record(System.nanoTime() - startNanos);
        inFlight.decrement();
        requests.increment();
        if (failed) {
            errors.increment();
        }
        bytesRead.add(read);
        bytesWritten.add(written);
    }

    public Snapshot snapshot() {
        return new Snapshot(target, requests.sum(), errors.sum(), inFlight.sum(), bytesRead.sum(), bytesWritten.sum(),
                latency.counts(), latency.sumMicros());
    }
}
