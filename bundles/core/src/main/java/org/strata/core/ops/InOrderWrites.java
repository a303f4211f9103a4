package org.strata.core.ops;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Puts the writes of parallel workers in sequence without handing a turn from thread to thread (each hand-off
 * would cost a wake-up): the worker whose write is next runs it and then every following write already submitted,
 * whoever submitted it; a worker whose write someone else runs waits only until it is done (its buffer is free).
 */
final class InOrderWrites {

    /** A write whose data a worker holds ready. */
    interface Write {
        void run() throws IOException;
    }

    private static final class Pending {
        final Write write;
        boolean done;

        Pending(Write write) {
            this.write = write;
        }
    }

    private final Map<Long, Pending> submitted = new HashMap<>();
    /** The sequence number of the next write to run. */
    private long turn;
    /** A worker is running writes in sequence. */
    private boolean running;
    private boolean aborted;

    /**
     * Runs write number {@code seq} after every write before it; returns when it has run. A failed write's
     * exception comes out of the submit that ran it, and the caller then calls {@link #abort} (after noting the
     * cause, so that the cause, not a waiter's cancellation, is what gets reported).
     */
    void submit(long seq, Write write) throws IOException {
        Pending mine = new Pending(write);
        synchronized (this) {
            submitted.put(seq, mine);
            if (running || turn != seq) {
                while (!mine.done) {
                    if (aborted) {
                        throw new OperationCancelled();
                    }
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new OperationCancelled();
                    }
                }
                return;
            }
            running = true;
        }
        runInSequence();
    }

    /** Runs submitted writes in sequence, from the current turn, until the next one is not submitted yet. */
    private void runInSequence() throws IOException {
        while (true) {
            Pending next;
            synchronized (this) {
                next = aborted ? null : submitted.remove(turn);
                if (next == null) {
                    running = false;
                    if (aborted) {
                        throw new OperationCancelled();
                    }
                    return;
                }
            }
            next.write.run();
            synchronized (this) {
                next.done = true;
                turn++;
                notifyAll();
            }
        }
    }

    /** No write runs any more; waiting workers stop with {@link OperationCancelled}. */
    synchronized void abort() {
        aborted = true;
        notifyAll();
    }
}
