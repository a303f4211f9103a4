package org.strata.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The text exposition format: families with HELP and TYPE, labelled samples, a cumulative histogram. */
class PrometheusTextTest {

    @Test
    void nodesAndExportsAreLabelledSamplesOfEachFamily() {
        IoStats node = new IoStats(IoStats.Target.node("vm1"));
        IoStats export = new IoStats(IoStats.Target.export("we\"ird", "vm1"));
        node.end(node.begin(), 65536, 0, false);
        export.end(export.begin(), 65536, 0, false);
        export.end(export.begin(), 0, 4096, true);
        String text = PrometheusText.format(List.of(node.snapshot(), export.snapshot()), List.of());
        List<String> lines = text.lines().toList();
        assertTrue(lines.contains("# TYPE strata_requests_total counter"), text);
        assertTrue(lines.contains("strata_requests_total{type=\"node\",name=\"vm1\"} 1"), text);
        assertTrue(lines.contains("strata_requests_total{type=\"export\",name=\"we\\\"ird\"} 2"), text);
        assertTrue(lines.contains("strata_request_errors_total{type=\"export\",name=\"we\\\"ird\"} 1"), text);
        assertTrue(lines.contains("strata_read_bytes_total{type=\"node\",name=\"vm1\"} 65536"), text);
        assertTrue(lines.contains("strata_written_bytes_total{type=\"export\",name=\"we\\\"ird\"} 4096"), text);
        assertTrue(lines.contains("strata_requests_in_flight{type=\"node\",name=\"vm1\"} 0"), text);
        assertTrue(lines.contains("# TYPE strata_request_duration_seconds histogram"), text);
        assertTrue(lines.contains("strata_request_duration_seconds_bucket{type=\"node\",name=\"vm1\",le=\"+Inf\"} 1"),
                text);
        assertTrue(lines.contains("strata_request_duration_seconds_count{type=\"export\",name=\"we\\\"ird\"} 2"),
                text);
        String nodeBuckets = "strata_request_duration_seconds_bucket{type=\"node\"";
        assertEquals(LatencyHistogram.BOUNDED + 1, lines.stream().filter(l -> l.startsWith(nodeBuckets)).count());
        assertTrue(lines.contains("# TYPE strata_job_progress_ratio gauge"), text);
        for (String l : lines) {
            assertTrue(l.startsWith("# HELP ") || l.startsWith("# TYPE ") || l.matches("strata_\\w+\\{.*\\} \\S+"), l);
        }
    }
}
