package org.strata.engine;

import java.io.IOException;

/** A unit of I/O that may throw. */
@FunctionalInterface
interface IoTask {
    void run() throws IOException;
}
