package org.strata.core.agent;

import java.io.Closeable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.strata.api.DaemonThreads;

/**
 * The threads that run the engine's parallel sub-requests of the images the agent opens: a pool created when the
 * component activates and shut down when it deactivates (a sub-request submitted after that fails). Outside a
 * framework, whoever creates it closes it.
 */
@Component(service = IoThreads.class)
public final class IoThreads implements Executor, Closeable {

    private final ExecutorService pool = Executors.newCachedThreadPool(DaemonThreads.named("strata-io"));

    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    @Deactivate
    @Override
    public void close() {
        pool.shutdown();
    }
}
