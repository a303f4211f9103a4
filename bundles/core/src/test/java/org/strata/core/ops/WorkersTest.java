package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Workers: every one has ended before the run returns, and the first failure is what the caller sees. */
class WorkersTest {

    @Test
    void aFailureIsRethrownOnlyAfterEveryWorkerHasEnded() {
        IOException first = new IOException("first");
        CountDownLatch failed = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        List<Throwable> heard = new CopyOnWriteArrayList<>();
        IOException e = assertThrows(IOException.class, () -> Workers.run("test-worker", 3, () -> {
            try {
                if (started.incrementAndGet() == 1) {
                    failed.countDown();
                    throw first;
                }
                // the others keep going well after the failure
                failed.await(10, TimeUnit.SECONDS);
                Thread.sleep(300);
                throw new IOException("later");
            } catch (InterruptedException ie) {
                throw new IOException(ie);
            } finally {
                ended.incrementAndGet();
            }
        }, heard::add));
        assertSame(first, e);
        assertEquals(3, ended.get(), "returned before every worker had ended");
        assertEquals(3, heard.size(), "each failure is heard as it happens: " + heard);
        assertSame(first, heard.get(0));
    }

    @Test
    void runsOnNamedDaemonThreads() throws IOException {
        List<Thread> threads = new CopyOnWriteArrayList<>();
        Workers.run("test-worker", 2, () -> threads.add(Thread.currentThread()), t -> { });
        assertEquals(2, threads.size());
        for (Thread t : threads) {
            assertTrue(t.isDaemon() && t.getName().startsWith("test-worker-"), t.toString());
        }
    }
}
