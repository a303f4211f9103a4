package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** qemu-img's -r: operations slowed to a rate, still stopping promptly when cancelled. */
class RateLimitTest {

    /** An operation that reports {@code chunks} units of {@code chunk} bytes, checking cancellation between. */
    private static Operation chunks(int chunks, long chunk) {
        return control -> {
            control.total(chunks * chunk);
            for (int i = 0; i < chunks; i++) {
                control.checkCancelled();
                control.advance(chunk);
            }
        };
    }

    @Test
    void theOperationTakesAsLongAsTheRateSays() throws Exception {
        long start = System.nanoTime();
        RateLimit.of(chunks(4, 256 << 10), 4 << 20).run(JobControl.NONE);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 240 && millis < 2000, millis + " ms for 1 MiB at 4 MiB/s");
    }

    /**
     * Four workers copy their chunks at once (as convert's do); the job's progress still follows the rate, instead
     * of reaching 100 % at once and then waiting.
     */
    @Test
    void progressFollowsTheRateWhenWorkersCopyInParallel() throws Exception {
        Operation parallel = control -> {
            control.total(4 * (256 << 10));
            Workers.run("test", 4, () -> control.advance(256 << 10), failure -> { });
        };
        Job job = new JobManager().start("test", "parallel", RateLimit.of(parallel, 1 << 20), java.util.List.of());
        Thread.sleep(100);
        assertTrue(job.percent() < 25, job.percent() + " % after 0.1 s of 1 s");
        assertTrue(job.await(5, TimeUnit.SECONDS));
        assertEquals(Job.State.COMPLETED, job.state(), job.error());
    }

    @Test
    void noLimitIsTheOperationItself() {
        Operation op = chunks(1, 1);
        assertEquals(op, RateLimit.of(op, 0));
    }

    @Test
    void aCancelledJobStopsWithoutWaitingOutTheRate() throws Exception {
        JobManager jobs = new JobManager();
        Job job = jobs.start("test", "slow", RateLimit.of(chunks(100, 1 << 20), 1 << 20), java.util.List.of());
        for (int i = 0; i < 500 && job.percent() == 0; i++) {
            Thread.sleep(10);
        }
        long start = System.nanoTime();
        job.cancel();
        assertTrue(job.await(5, TimeUnit.SECONDS));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1000);
        assertEquals(Job.State.CANCELLED, job.state());
        assertThrows(OperationCancelled.class, job::checkCancelled);
    }
}
