package org.strata.format.vpc;

import java.util.ArrayList;
import java.util.List;

/** The host ranges an image's own structures occupy, which guest data must never be written over. */
final class Metadata {

    private record Range(long start, long end) {
    }

    private final List<Range> ranges = new ArrayList<>();

    /** Adds {@code [start, start + length)}; a length of -1 means to the end of every file. */
    Metadata add(long start, long length) {
        ranges.add(new Range(start, length < 0 ? Long.MAX_VALUE : start + length));
        return this;
    }

    boolean overlaps(long start, long length) {
        for (Range r : ranges) {
            if (start < r.end && r.start < start + length) {
                return true;
            }
        }
        return false;
    }
}
