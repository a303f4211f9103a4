package org.strata.core.metrics;

import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

import org.strata.core.ops.Job;

/**
 * The metrics in Prometheus's text exposition format (version 0.0.4): per node and export (labels {@code type}
 * and {@code name}) the request counters and a latency histogram, and each job's progress.
 */
public final class PrometheusText {

    private PrometheusText() {
    }

    public static String format(List<IoStats.Snapshot> stats, List<Job> jobs) {
        StringBuilder out = new StringBuilder();
        counter(out, "strata_requests_total", "Requests served, by node and by export.", stats,
                IoStats.Snapshot::requests);
        counter(out, "strata_request_errors_total", "Requests answered with an error.", stats,
                IoStats.Snapshot::errors);
        counter(out, "strata_read_bytes_total", "Bytes read by clients.", stats, IoStats.Snapshot::bytesRead);
        counter(out, "strata_written_bytes_total", "Bytes written by clients.", stats, IoStats.Snapshot::bytesWritten);
        family(out, "strata_requests_in_flight", "gauge", "Requests being served now.");
        for (IoStats.Snapshot s : stats) {
            sample(out, "strata_requests_in_flight", labels(s), s.inFlight());
        }
        histogram(out, stats);
        family(out, "strata_job_progress_ratio", "gauge", "Progress of each background job, 0 to 1.");
        for (Job j : jobs) {
            sample(out, "strata_job_progress_ratio", "id=\"" + j.id() + "\",type=\"" + escape(j.kind())
                    + "\",state=\"" + j.state().name().toLowerCase(Locale.ROOT) + "\"", j.percent() / 100);
        }
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, List<IoStats.Snapshot> stats,
                                ToLongFunction<IoStats.Snapshot> value) {
        family(out, name, "counter", help);
        for (IoStats.Snapshot s : stats) {
            sample(out, name, labels(s), value.applyAsLong(s));
        }
    }

    private static void histogram(StringBuilder out, List<IoStats.Snapshot> stats) {
        String name = "strata_request_duration_seconds";
        family(out, name, "histogram", "Time from a request read to its reply sent.");
        for (IoStats.Snapshot s : stats) {
            long[] counts = s.latencyCounts();
            long cumulative = 0;
            for (int i = 0; i < counts.length; i++) {
                cumulative += counts[i];
                String le = i < LatencyHistogram.BOUNDED ? Double.toString(LatencyHistogram.boundMicros(i) / 1e6)
                        : "+Inf";
                sample(out, name + "_bucket", labels(s) + ",le=\"" + le + "\"", cumulative);
            }
            sample(out, name + "_sum", labels(s), s.latencySumMicros() / 1e6);
            sample(out, name + "_count", labels(s), cumulative);
        }
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, Object value) {
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private static String labels(IoStats.Snapshot s) {
        return "type=\"" + s.target().kind() + "\",name=\"" + escape(s.target().name()) + "\"";
    }

    /** A label value as the format quotes it. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
