package org.strata.core.ops;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.strata.core.image.Errors;

/** An operation running in the background, with its progress and outcome. */
public final class Job implements JobControl {

    public enum State { RUNNING, COMPLETED, FAILED, CANCELLED }

    private static final System.Logger LOG = System.getLogger(JobManager.class.getName());

    private final int id;
    private final String kind;
    private final String description;
    private final Instant started = Instant.now();
    private final long startNanos = System.nanoTime();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private volatile boolean cancelRequested;
    private volatile State state = State.RUNNING;
    private volatile String error;

    Job(int id, String kind, String description) {
        this.id = id;
        this.kind = kind;
        this.description = description;
    }

    /**
     * Runs the operation, then closes what it worked on; records how it ended. A failure to close after the
     * operation failed does not hide why it failed.
     */
    void run(Operation op, List<Closeable> resources) {
        try {
            Exception failure = null;
            try {
                op.run(this);
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            for (Closeable c : resources) {
                try {
                    c.close();
                } catch (IOException | RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure instanceof OperationCancelled) {
                state = State.CANCELLED;
                error = failure.getMessage();
            } else if (failure != null) {
                state = State.FAILED;
                error = Errors.oneLine(failure);
            } else {
                state = State.COMPLETED;
            }
        } finally {
            logEnd();
            finished.complete(null);
        }
    }

    /** One line when the job starts and one when it ends, with how and after how long. */
    void logStart() {
        LOG.log(System.Logger.Level.INFO, "job " + id + " (" + kind + ") started: " + description);
    }

    private void logEnd() {
        String took = String.format("%.1f", (System.nanoTime() - startNanos) / 1e9);
        String name = "job " + id + " (" + kind + ") ";
        switch (state) {
            case COMPLETED -> LOG.log(System.Logger.Level.INFO, name + "completed in " + took + " s");
            case CANCELLED -> LOG.log(System.Logger.Level.INFO, name + "cancelled after " + took + " s");
            default -> LOG.log(System.Logger.Level.WARNING, name + "failed after " + took + " s: " + error);
        }
    }

    public int id() {
        return id;
    }

    public String kind() {
        return kind;
    }

    public String description() {
        return description;
    }

    public Instant started() {
        return started;
    }

    public State state() {
        return state;
    }

    /** Why the job failed or stopped, or null. */
    public String error() {
        return error;
    }

    /** Progress in percent, 0 to 100. */
    public double percent() {
        long t = total.get();
        if (state == State.COMPLETED) {
            return 100;
        }
        return t <= 0 ? 0 : Math.min(100, done.get() * 100.0 / t);
    }

    /** Asks the operation to stop at its next consistent point. */
    public void cancel() {
        cancelRequested = true;
    }

    /** Waits until the job ends; false when it is still running after the timeout. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            finished.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        }
    }

    @Override
    public void total(long amount) {
        total.set(amount);
    }

    @Override
    public void advance(long amount) {
        done.addAndGet(amount);
    }

    @Override
    public void checkCancelled() throws OperationCancelled {
        if (cancelRequested) {
            throw new OperationCancelled();
        }
    }
}
