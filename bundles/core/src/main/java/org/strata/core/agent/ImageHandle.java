package org.strata.core.agent;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;
import org.strata.api.FormatAccess;
import org.strata.core.metrics.IoStats;

/**
 * A guest disk as servers (the NBD server) see it: the agent's node, whose image may pause while its driver
 * is replaced. Every request goes through {@link #call}, which waits while the image is detached and fails
 * only when it does not come back in time or is gone.
 */
@ProviderType
public interface ImageHandle {

    /** Work on the current image. */
    @FunctionalInterface
    interface IoFunction<T> {
        T apply(FormatAccess access) throws IOException;
    }

    String name();

    /** The requests served on this image (the NBD server records them). */
    IoStats stats();

    /** Runs {@code op} on the current image, waiting while it is detached. */
    <T> T call(IoFunction<T> op) throws IOException;

    /** A handle on an image that never pauses (tests, short-lived tools). */
    static ImageHandle of(String name, FormatAccess access) {
        IoStats stats = new IoStats(IoStats.Target.node(name));
        return new ImageHandle() {
            @Override
            public IoStats stats() {
                return stats;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public <T> T call(IoFunction<T> op) throws IOException {
                return op.apply(access);
            }
        };
    }
}
