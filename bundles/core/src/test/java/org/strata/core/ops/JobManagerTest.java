package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** Background jobs: progress, outcome, cancellation, and the images they hold closed at the end. */
class JobManagerTest {

    private final JobManager jobs = new JobManager();

    @Test
    void aCompletedJobHasClosedItsImages() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        Closeable image = () -> closed.set(true);
        Job job = jobs.start("convert", "a -> b", control -> {
            control.total(10);
            control.advance(10);
        }, List.of(image));
        assertTrue(job.await(5, TimeUnit.SECONDS));
        assertEquals(Job.State.COMPLETED, job.state());
        assertEquals(100.0, job.percent());
        assertTrue(closed.get());
        assertEquals(List.of(job), jobs.list());
        assertEquals(job, jobs.get(job.id()));
        assertThrows(IllegalArgumentException.class, () -> jobs.get(job.id() + 1));
    }

    @Test
    void progressAndCancellation() throws Exception {
        CountDownLatch halfway = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicBoolean closed = new AtomicBoolean();
        Job job = jobs.start("commit", "top -> base", control -> {
            control.total(4);
            control.advance(1);
            halfway.countDown();
            try {
                cancelled.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            control.checkCancelled();
            control.advance(3);
        }, List.of(() -> closed.set(true)));
        assertTrue(halfway.await(5, TimeUnit.SECONDS));
        assertEquals(25.0, job.percent());
        assertEquals(Job.State.RUNNING, job.state());
        job.cancel();
        cancelled.countDown();
        assertTrue(job.await(5, TimeUnit.SECONDS));
        assertEquals(Job.State.CANCELLED, job.state());
        assertEquals("Operation cancelled", job.error());
        assertTrue(closed.get());
    }

    @Test
    void aFailedJobSaysWhy() throws Exception {
        Job job = jobs.start("stream", "x", control -> {
            throw new IOException("Could not read 'x': boom");
        }, List.of());
        assertTrue(job.await(5, TimeUnit.SECONDS));
        assertEquals(Job.State.FAILED, job.state());
        assertEquals("Could not read 'x': boom", job.error());
    }
}
