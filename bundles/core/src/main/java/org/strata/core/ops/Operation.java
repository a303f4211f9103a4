package org.strata.core.ops;

import java.io.IOException;

/** A long operation on images. It checks {@link JobControl#checkCancelled()} between units of work. */
@FunctionalInterface
public interface Operation {
    void run(JobControl control) throws IOException;
}
