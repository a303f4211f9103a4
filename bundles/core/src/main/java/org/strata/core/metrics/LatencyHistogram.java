package org.strata.core.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Latencies counted in fixed buckets whose bounds double from 1 µs to about 17 s, plus one for anything
 * longer: recording is one array index and one {@link LongAdder} increment, so it allocates nothing.
 */
public final class LatencyHistogram {

    /** Buckets with a finite bound; bucket {@code i} counts latencies below 2^i µs. */
    public static final int BOUNDED = 25;

    private final LongAdder[] counts = new LongAdder[BOUNDED + 1];
    private final LongAdder sumMicros = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void record(long nanos) {
        long micros = Math.max(0, nanos / 1000);
        counts[Math.min(BOUNDED, 64 - Long.numberOfLeadingZeros(micros))].increment();
        sumMicros.add(micros);
    }

    /** The upper bound of bucket {@code i} in microseconds; the last bucket has none (infinity). */
    public static long boundMicros(int i) {
        return i < BOUNDED ? 1L << i : Long.MAX_VALUE;
    }

    /** The counts of each bucket, now. */
    public long[] counts() {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sum();
        }
        return c;
    }

    public long sumMicros() {
        return sumMicros.sum();
    }

    /**
     * The bound below which a fraction {@code q} of the counted latencies lie, in microseconds: the upper bound of
     * the bucket where that fraction is reached (0 with nothing counted; the largest finite bound for the last).
     */
    public static long percentileMicros(long[] counts, double q) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return boundMicros(Math.min(i, BOUNDED - 1));
            }
        }
        return boundMicros(BOUNDED - 1);
    }
}
