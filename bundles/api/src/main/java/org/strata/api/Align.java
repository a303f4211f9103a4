package org.strata.api;

/** Rounding of offsets to alignments that need not be powers of two. */
public final class Align {
    private Align() {
    }

    public static long down(long value, long align) {
        return value - Math.floorMod(value, align);
    }

    public static long up(long value, long align) {
        long r = Math.floorMod(value, align);
        return r == 0 ? value : Math.addExact(value, align - r);
    }

    public static boolean is(long value, long align) {
        return Math.floorMod(value, align) == 0;
    }
}
