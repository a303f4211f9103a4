package org.strata.api;

import java.io.IOException;

/**
 * A write whose costly part (compressing a cluster) is done and whose placement in the image is still to come:
 * many threads can prepare writes at once, and {@link #write} places each, in the order the caller chooses.
 */
@FunctionalInterface
public interface PreparedWrite {

    /** Places the prepared data in the image. */
    void write() throws IOException;
}
