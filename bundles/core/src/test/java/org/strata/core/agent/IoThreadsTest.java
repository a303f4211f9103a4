package org.strata.core.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The engine's threads live as long as the component: daemon threads until it deactivates, none after. */
class IoThreadsTest {

    @Test
    void runsOnDaemonThreadsUntilClosed() throws Exception {
        IoThreads threads = new IoThreads();
        Thread t = CompletableFuture.supplyAsync(Thread::currentThread, threads).get(10, TimeUnit.SECONDS);
        assertTrue(t.isDaemon(), "not a daemon thread: " + t);
        assertTrue(t.getName().startsWith("strata-io-"), t.getName());
        threads.close();
        assertThrows(RejectedExecutionException.class, () -> threads.execute(() -> { }));
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(!t.isAlive(), "a thread outlived the pool: " + t);
    }
}
