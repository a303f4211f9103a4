package org.strata.api;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared pool of daemon threads that runs parallel sub-requests and asynchronous I/O. */
public final class IoThreads {

    private static final ExecutorService POOL = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "strata-io-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

    private IoThreads() {
    }

    public static ExecutorService executor() {
        return POOL;
    }
}
