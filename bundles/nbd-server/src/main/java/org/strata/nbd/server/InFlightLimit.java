package org.strata.nbd.server;

/**
 * Bounds the requests (and their payload bytes) one connection has in progress. The reader thread acquires
 * before it allocates a payload, so a client that sends faster than the image serves simply waits.
 * A single request may exceed the byte budget when nothing else is in flight.
 */
final class InFlightLimit {

    private final int maxRequests;
    private final long maxBytes;
    private int requests;
    private long bytes;

    InFlightLimit(int maxRequests, long maxBytes) {
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    synchronized void acquire(long n) throws InterruptedException {
        while (requests >= maxRequests || (requests > 0 && bytes + n > maxBytes)) {
            wait();
        }
        requests++;
        bytes += n;
    }

    synchronized void release(long n) {
        requests--;
        bytes -= n;
        notifyAll();
    }

    /** Waits until nothing is in flight; false when {@code timeoutMillis} passed first. */
    synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (requests > 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    synchronized int inFlight() {
        return requests;
    }
}
