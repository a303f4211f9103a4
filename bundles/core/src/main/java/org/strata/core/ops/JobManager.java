package org.strata.core.ops;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.strata.api.DaemonThreads;

/**
 * Runs long operations in the background as numbered jobs. When the agent stops, running jobs are cancelled and
 * given time to reach a consistent point.
 */
@Component(service = JobManager.class)
public final class JobManager {

    private static final int KEEP_FINISHED = 100;

    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Job> jobs = new LinkedHashMap<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(DaemonThreads.named("strata-job"));

    /** Starts {@code op}; {@code resources} (the images it works on) are closed when it ends. */
    public Job start(String kind, String description, Operation op, List<Closeable> resources) {
        Job job = new Job(ids.incrementAndGet(), kind, description);
        synchronized (jobs) {
            jobs.put(job.id(), job);
            forgetOldFinished();
        }
        job.logStart();
        pool.execute(() -> job.run(op, resources));
        return job;
    }

    public List<Job> list() {
        synchronized (jobs) {
            return new ArrayList<>(jobs.values());
        }
    }

    public Job get(int id) {
        synchronized (jobs) {
            Job j = jobs.get(id);
            if (j == null) {
                throw new IllegalArgumentException("Job " + id + " not found");
            }
            return j;
        }
    }

    private void forgetOldFinished() {
        var it = jobs.values().iterator();
        while (jobs.size() > KEEP_FINISHED && it.hasNext()) {
            if (it.next().state() != Job.State.RUNNING) {
                it.remove();
            }
        }
    }

    @Deactivate
    void stop() throws InterruptedException {
        List<Job> running = list();
        running.forEach(Job::cancel);
        for (Job j : running) {
            j.await(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }
}
