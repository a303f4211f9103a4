package org.strata.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Counters and the latency histogram of a node or export. */
class IoStatsTest {

    @Test
    void countsRequestsBytesErrorsAndRequestsInFlight() {
        IoStats stats = new IoStats(IoStats.Target.export("e", "vm1"));
        long a = stats.begin();
        long b = stats.begin();
        assertEquals(2, stats.snapshot().inFlight());
        stats.end(a, 4096, 0, false);
        stats.end(b, 0, 512, true);
        IoStats.Snapshot s = stats.snapshot();
        assertEquals(0, s.inFlight());
        assertEquals(2, s.requests());
        assertEquals(1, s.errors());
        assertEquals(4096, s.bytesRead());
        assertEquals(512, s.bytesWritten());
        assertEquals("vm1", s.target().node());
    }

    @Test
    void percentilesAreTheBoundsOfTheBucketsWhereTheyAreReached() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 90; i++) {
            h.record(3_000); // 3 us: below 4 us
        }
        for (int i = 0; i < 9; i++) {
            h.record(1_000_000); // 1 ms: below 1024 us
        }
        h.record(100_000_000_000L); // 100 s: past the last bound
        long[] counts = h.counts();
        assertEquals(4, LatencyHistogram.percentileMicros(counts, 0.5));
        assertEquals(4, LatencyHistogram.percentileMicros(counts, 0.9));
        assertEquals(1024, LatencyHistogram.percentileMicros(counts, 0.99));
        assertEquals(LatencyHistogram.boundMicros(LatencyHistogram.BOUNDED - 1),
                LatencyHistogram.percentileMicros(counts, 1.0));
        assertEquals(1, counts[LatencyHistogram.BOUNDED], "the overflow bucket");
        assertEquals(0, LatencyHistogram.percentileMicros(new LatencyHistogram().counts(), 0.5));
    }

    @Test
    void aMeasuredRequestLandsInTheBucketOfItsDuration() throws Exception {
        IoStats stats = new IoStats(IoStats.Target.node("vm1"));
        long start = stats.begin();
        Thread.sleep(20);
        stats.end(start, 0, 0, false);
        long p50 = stats.snapshot().percentileMicros(0.5);
        assertTrue(p50 >= 16_384 && p50 <= 1 << 20, "20 ms lands in a bucket of 32 ms or so: " + p50);
    }
}
