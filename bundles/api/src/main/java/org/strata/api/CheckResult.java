package org.strata.api;

import java.util.List;

/**
 * The outcome of a consistency check, with qemu-img check's counters.
 *
 * @param messages  one line per problem found or repaired, as qemu-img prints them
 */
public record CheckResult(long checkErrors, long corruptions, long leaks, long corruptionsFixed, long leaksFixed,
                          long imageEndOffset, long totalClusters, long allocatedClusters, long fragmentedClusters,
                          long compressedClusters, List<String> messages) {
}
