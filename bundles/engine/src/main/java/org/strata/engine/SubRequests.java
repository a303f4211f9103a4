package org.strata.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * The sub-requests of one request: run inline (parallelism 1) or on the executor with at most {@code parallelism}
 * at once; {@link #close()} waits for all and rethrows the first failure. Tasks are never cancelled (interrupting
 * a thread in FileChannel I/O would close the channel for everyone).
 */
final class SubRequests implements AutoCloseable {

    private final int parallelism;
    private final Executor executor;
    private final Semaphore slots;
    private final List<CompletableFuture<Void>> running = new ArrayList<>();

    SubRequests(int parallelism, Executor executor) {
        this.parallelism = parallelism;
        this.executor = executor;
        this.slots = parallelism > 1 ? new Semaphore(parallelism) : null;
    }

    void run(IoTask task) throws IOException {
        if (parallelism <= 1) {
            task.run();
            return;
        }
        slots.acquireUninterruptibly();
        try {
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    task.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    slots.release();
                }
            }, executor));
        } catch (RuntimeException e) {
            // the executor refused the task (shut down): it never runs, so its slot is free again
            slots.release();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (CompletableFuture<Void> f : running) {
            try {
                f.join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause instanceof UncheckedIOException u ? u.getCause()
                            : new IOException(cause.getMessage(), cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
