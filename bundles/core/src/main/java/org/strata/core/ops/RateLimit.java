package org.strata.core.ops;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * qemu-img's {@code -r RATE}: an operation slowed down so that it does no more than a number of bytes per second.
 * The waiting happens as the operation reports progress, in short steps that notice cancellation.
 */
public final class RateLimit {

    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private RateLimit() {
    }

    /** {@code op} limited to {@code bytesPerSecond}; {@code op} itself when the limit is 0 (none). */
    public static Operation of(Operation op, long bytesPerSecond) {
        if (bytesPerSecond <= 0) {
            return op;
        }
        return control -> op.run(new Limited(control, bytesPerSecond));
    }

    private static final class Limited implements JobControl {
        private final JobControl inner;
        private final long bytesPerSecond;
        private final long start = System.nanoTime();
        private final AtomicLong done = new AtomicLong();

        Limited(JobControl inner, long bytesPerSecond) {
            this.inner = inner;
            this.bytesPerSecond = bytesPerSecond;
        }

        @Override
        public void total(long amount) {
            inner.total(amount);
        }

        /**
         * Waits until the rate allows the work done, then reports it: progress follows the limited pace even when
         * parallel workers have all copied their chunks at once.
         */
        @Override
        public void advance(long amount) {
            long due = start + (long) (done.addAndGet(amount) * 1e9 / bytesPerSecond);
            try {
                for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
                    inner.checkCancelled();
                    TimeUnit.NANOSECONDS.sleep(Math.min(STEP_NANOS, due - now));
                }
            } catch (OperationCancelled e) {
                // the operation's next check throws
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inner.advance(amount);
            }
        }

        @Override
        public void checkCancelled() throws OperationCancelled {
            inner.checkCancelled();
        }
    }
}
