package org.strata.api;

import java.util.BitSet;

/**
 * The bits of a persistent dirty bitmap: bit {@code i} is set when guest bytes {@code [i * granularity, (i + 1) *
 * granularity)} changed since the bitmap was added or cleared.
 *
 * @param size        the bytes the bitmap covers (the image's virtual size)
 * @param granularity bytes per bit, a power of two
 * @param bits        the set bits (owned by whoever holds this value)
 */
public record DirtyBits(long size, long granularity, BitSet bits) {

    /**
     * The first {@code count} (at most {@link Integer#MAX_VALUE}) bits of {@code this} at another {@code granularity}:
     * a bit is set where any byte it covers is dirty here.
     */
    public BitSet at(long granularity, long count) {
        BitSet out = new BitSet();
        for (int i = bits.nextSetBit(0); i >= 0 && i < Integer.MAX_VALUE; i = bits.nextSetBit(i + 1)) {
            long first = i * this.granularity / granularity;
            long end = Math.min(count, ((i + 1) * this.granularity - 1) / granularity + 1);
            if (first >= end) {
                break;
            }
            out.set((int) first, (int) end);
        }
        return out;
    }
}
