package org.strata.shell;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.ops.Job;
import org.strata.core.ops.JobControl;
import org.strata.core.ops.JobManager;
import org.strata.core.ops.Operation;
import org.strata.core.ops.OperationCancelled;

/** Runs an operation inline (with {@code -p} progress), or with {@code --job} as a background job of the daemon. */
final class OperationRunner {

    private final ImageService images;
    private final Supplier<JobManager> jobs;

    OperationRunner(ImageService images, Supplier<JobManager> jobs) {
        this.images = images;
        this.jobs = jobs;
    }

    /**
     * Runs {@code op}; {@code resources} (the opened images) are closed when it ends.
     *
     * @return true when it ran inline to the end, false when it was started as a job
     */
    boolean run(Invocation inv, Options o, String kind, String description, Operation op,
                List<Closeable> resources) throws Exception {
        if (o.has("job")) {
            if (images.mode() != Mode.DAEMON) {
                closeAll(resources);
                throw new CommandFailure("--job runs the operation in the daemon: use 'strata exec'", 1);
            }
            Job job = jobs.get().start(kind, description, op, resources);
            inv.out.println("Job " + job.id() + " started: " + kind + " " + description);
            return false;
        }
        Progress progress = new Progress(inv.out, o.has("progress") && !o.has("quiet"), 1);
        Exception failure = null;
        try {
            op.run(new JobControl() {
                @Override
                public void total(long amount) {
                    progress.total(amount);
                }

                @Override
                public void advance(long amount) {
                    progress.advance(amount);
                }

                @Override
                public void checkCancelled() throws OperationCancelled {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new OperationCancelled();
                    }
                }
            });
        } catch (IOException | RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            progress.finish();
            try {
                closeAll(resources);
            } catch (IOException e) {
                // a failure to close after a failed operation must not hide why the operation failed
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
        return true;
    }

    private static void closeAll(List<Closeable> resources) throws IOException {
        IOException failure = null;
        for (Closeable c : resources) {
            try {
                c.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
