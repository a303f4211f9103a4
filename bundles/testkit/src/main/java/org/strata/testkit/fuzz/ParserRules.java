package org.strata.testkit.fuzz;

import java.io.IOException;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The rules every parser of on-disk or wire bytes keeps, whatever the bytes: it fails only with an
 * {@link IOException} that says something (Strata's {@code ImageFormatException}, a clear I/O error), never with
 * another exception or error; it allocates no more than {@link #MAX_ALLOCATION} bytes for one input (it never
 * sizes memory by a header's claim); it never loops (one input takes at most {@link #TIME_LIMIT} as a seed).
 *
 * <p>An input is judged alike as a seed and while Jazzer fuzzes, so that a report reproduces as a seed. Loading
 * classes (and, while fuzzing, Jazzer's instrumenting them) allocates on the loading thread and takes seconds on a
 * busy machine, and the first input of a JVM loads the parser's classes: a run during which classes were loaded
 * is given up to {@link #LOADING_TIME_LIMIT} and not judged on allocation; the input runs again, its classes now
 * loaded. While fuzzing, Jazzer's instrumentation traces every comparison, which makes a parser's scan of a table
 * of millions of entries 10 to 50 times slower: there one input may take {@link #FUZZING_TIME_LIMIT}, which a loop
 * exceeds all the same.
 *
 * <p>A fuzz target runs each input's work through {@link #check}: a broken rule is an {@link AssertionError},
 * which Jazzer reports as a finding (and saves the input).
 */
public final class ParserRules {

    /** The longest one input may take; real work on the few KiB of a fuzzed input takes milliseconds. */
    public static final Duration TIME_LIMIT = Duration.ofSeconds(5);
    /** The longest one input may take in fuzzing mode (instrumented code): long enough for no false alarm. */
    public static final Duration FUZZING_TIME_LIMIT = Duration.ofSeconds(60);
    /** The longest an input may take while classes are loaded (the first inputs, new paths). */
    public static final Duration LOADING_TIME_LIMIT = Duration.ofSeconds(60);
    /** The most one input may allocate (on the thread that parses it). */
    public static final long MAX_ALLOCATION = 96L << 20;

    /** Work on one input, allowed to fail with a clear IOException (which {@link #tolerate} turns into nothing). */
    public interface Work {
        void run() throws IOException;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();
    /** How often one input runs at most, until a run loads no class (the first run loads most of them). */
    private static final int MAX_RUNS = 4;
    /** What {@link #runOnWorker} answers for a run during which classes were loaded (allocation not measured). */
    private static final long LOADED_CLASSES = -1;

    /** Whether Jazzer fuzzes (as it decides: JAZZER_FUZZ set and not empty), not just runs seeds. */
    private static final boolean FUZZING = System.getenv("JAZZER_FUZZ") != null
            && !System.getenv("JAZZER_FUZZ").isEmpty();

    private static volatile Thread workerThread;
    private static ExecutorService worker = newWorker();

    private ParserRules() {
    }

    /**
     * Runs {@code work} on a worker thread under the rules: returns when it completed or failed with a clear
     * IOException; throws AssertionError when it threw anything else, ran out of memory, allocated too much or took
     * too long (then the stuck worker is abandoned and the stack it was stuck in is reported). {@code work} may run
     * more than once (see above), so each run must start from the input afresh.
     */
    public static synchronized void check(Work work) {
        for (int run = 1; run <= MAX_RUNS; run++) {
            long allocated = runOnWorker(work);
            if (allocated == LOADED_CLASSES) {
                continue;
            }
            if (allocated > MAX_ALLOCATION) {
                throw new AssertionError("allocated " + allocated + " bytes for one input (at most " + MAX_ALLOCATION
                        + ")");
            }
            return;
        }
        // every run loaded classes (a path that makes new ones each time): not judged on allocation
    }

    /**
     * Runs {@code work} once on the worker thread: what it allocated there, or {@link #LOADED_CLASSES} when classes
     * were loaded meanwhile; throws AssertionError when it broke a rule other than allocation.
     */
    private static long runOnWorker(Work work) {
        long classes = CLASSES.getTotalLoadedClassCount();
        Future<Long> done = worker.submit(() -> {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            tolerate(work);
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            return CLASSES.getTotalLoadedClassCount() == classes ? allocated : LOADED_CLASSES;
        });
        try {
            return await(done, classes);
        } catch (TimeoutException e) {
            Thread stuck = workerThread;
            worker.shutdownNow();
            worker = newWorker();
            AssertionError hang = new AssertionError("no answer within " + timeLimit().toSeconds() + " s (a loop?)");
            if (stuck != null) {
                hang.setStackTrace(stuck.getStackTrace());
            }
            throw hang;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError("threw " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The result, within {@link #timeLimit}, or {@link #LOADING_TIME_LIMIT} while classes are being loaded. */
    private static long await(Future<Long> done, long classesBefore)
            throws TimeoutException, ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + LOADING_TIME_LIMIT.toNanos();
        long classes = classesBefore;
        while (true) {
            try {
                return done.get(timeLimit().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now = CLASSES.getTotalLoadedClassCount();
                if (now == classes || System.nanoTime() > deadline) {
                    throw e;
                }
                classes = now;
            }
        }
    }

    private static Duration timeLimit() {
        return FUZZING ? FUZZING_TIME_LIMIT : TIME_LIMIT;
    }

    /**
     * Runs {@code work}, ignoring a clear IOException (the parser refused the input: right); a blank message, any
     * other exception and any error (OutOfMemoryError, StackOverflowError) break the rules.
     */
    public static void tolerate(Work work) {
        try {
            work.run();
        } catch (IOException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("an IOException without a message: " + e, e);
            }
        } catch (RuntimeException | Error e) {
            if (e instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError("threw " + e + " (only a clear IOException is allowed)", e);
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-worker");
            t.setDaemon(true);
            workerThread = t;
            return t;
        });
    }
}
