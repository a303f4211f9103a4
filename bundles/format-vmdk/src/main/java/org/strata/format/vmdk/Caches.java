package org.strata.format.vmdk;

/** The caches an image's extents share, so that their memory is bounded per image, not per extent. */
record Caches(TableCache tables, GrainCache grains) {
}
