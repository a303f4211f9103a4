package org.strata.core.ops;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import org.strata.api.DaemonThreads;

/**
 * Runs one piece of work on several threads at once and waits for every one of them, so that no worker still
 * touches an image when the caller goes on to close it; the first failure is then rethrown.
 */
public final class Workers {

    /** What each worker does. */
    @FunctionalInterface
    public interface Work {
        void run() throws IOException;
    }

    private Workers() {
    }

    /**
     * Runs {@code work} on {@code count} daemon threads named {@code name-N} and waits until every one has ended,
     * even when interrupted (the interrupt is kept for the caller). {@code onFailure} hears of each failure as it
     * happens, so the caller can stop the other workers early; an interrupt while waiting counts as a failure
     * ({@link OperationCancelled}).
     *
     * @throws IOException the first failure (a RuntimeException or Error as it was)
     */
    public static void run(String name, int count, Work work, Consumer<Throwable> onFailure) throws IOException {
        FirstFailure failures = new FirstFailure(onFailure);
        ExecutorService pool = Executors.newFixedThreadPool(count, DaemonThreads.named(name));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                running.add(pool.submit(() -> {
                    try {
                        work.run();
                    } catch (IOException | RuntimeException | Error e) {
                        failures.add(e);
                    }
                }));
            }
            boolean interrupted = false;
            for (Future<?> f : running) {
                while (true) {
                    try {
                        f.get();
                        break;
                    } catch (ExecutionException e) {
                        failures.add(e.getCause());
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                        failures.add(new OperationCancelled());
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } finally {
            pool.shutdown();
        }
        failures.rethrow();
    }

    /** The first of the failures, each passed on to a listener as it comes. */
    private static final class FirstFailure {
        private final Consumer<Throwable> listener;
        private Throwable first;

        FirstFailure(Consumer<Throwable> listener) {
            this.listener = listener;
        }

        void add(Throwable t) {
            synchronized (this) {
                if (first == null) {
                    first = t;
                }
            }
            listener.accept(t);
        }

        synchronized void rethrow() throws IOException {
            if (first instanceof IOException io) {
                throw io;
            } else if (first instanceof RuntimeException re) {
                throw re;
            } else if (first instanceof Error e) {
                throw e;
            } else if (first != null) {
                throw new IOException(first);
            }
        }
    }
}
