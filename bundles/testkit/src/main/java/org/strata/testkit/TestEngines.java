package org.strata.testkit;

import java.io.Closeable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.strata.api.DaemonThreads;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.engine.Engine;

/**
 * Images opened by a test without the agent's opener: the agent's engine over a driver's image, its parallel
 * sub-requests run on one pool of daemon threads shared by every test.
 */
public final class TestEngines {

    private static final ExecutorService IO_THREADS = Executors.newCachedThreadPool(DaemonThreads.named("test-io"));

    private TestEngines() {
    }

    /** The threads the engines run their parallel sub-requests on, for tests that open images with the agent's opener. */
    public static Executor ioThreads() {
        return IO_THREADS;
    }

    /** The engine over {@code image}; closing it closes the image, then {@code resources}. */
    public static FormatAccess of(FormatImage image, Closeable resources) {
        return new Engine(image, resources, IO_THREADS);
    }

    /** The engine over {@code image}, closing nothing else. */
    public static FormatAccess of(FormatImage image) {
        return of(image, () -> { });
    }
}
