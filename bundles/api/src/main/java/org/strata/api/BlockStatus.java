package org.strata.api;

/**
 * What a storage holds in a range: {@code data} when bytes are allocated, {@code zero} when the
 * range is known to read as zeroes (a hole). Both false means unknown.
 */
public record BlockStatus(long length, boolean data, boolean zero) {
}
