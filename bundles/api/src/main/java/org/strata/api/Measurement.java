package org.strata.api;

/**
 * qemu-img measure's answer.
 *
 * @param required        bytes the new image needs for the given data
 * @param fullyAllocated  bytes it needs when every cluster is allocated
 * @param bitmaps         bytes for persistent bitmaps, or -1 when the format has none
 */
public record Measurement(long required, long fullyAllocated, long bitmaps) {
}
