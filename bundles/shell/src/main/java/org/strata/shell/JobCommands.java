package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.core.ops.Job;
import org.strata.core.ops.JobManager;

/** {@code job:list}, {@code job:wait}, {@code job:cancel}: the daemon's background operations. */
final class JobCommands {

    private JobCommands() {
    }

    static List<Command> all(Supplier<JobManager> jobs) {
        return List.of(new ListJobs(jobs), new Wait(jobs), new Cancel(jobs));
    }

    private static int id(Options o) {
        String s = o.operands(1, 1, "a job id").get(0);
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new UsageException("Invalid job id '" + s + "'");
        }
    }

    private static String state(Job j) {
        return j.state().name().toLowerCase();
    }

    private static String line(Job j) {
        return String.format("%-4d %-8s %-10s %6.2f%%  %s%s", j.id(), j.kind(), state(j),
                j.percent(), j.description(), j.error() == null ? "" : "  (" + j.error() + ")");
    }

    static final class ListJobs implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("job:list", "")
                .value((char) 0, "output", "human|json", "human (default) or json");

        private final Supplier<JobManager> jobs;

        ListJobs(Supplier<JobManager> jobs) {
            this.jobs = jobs;
        }

        @Override
        public String summary() {
            return "list background jobs with their progress";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) {
            Options o = OPTIONS.parse(inv.args);
            o.operands(0, 0, "no arguments");
            if (o.json()) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Job j : jobs.get().list()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", j.id());
                    m.put("type", j.kind());
                    m.put("state", state(j));
                    m.put("progress", Math.round(j.percent() * 100) / 100.0);
                    m.put("description", j.description());
                    m.put("error", j.error());
                    out.add(m);
                }
                inv.out.println(Json.GSON.toJson(out));
            } else {
                Table table = new Table("ID", "TYPE", "STATE", "DONE", "DESCRIPTION");
                for (Job j : jobs.get().list()) {
                    table.row(j.id(), j.kind(), state(j), String.format("%.2f%%", j.percent()), j.description()
                            + (j.error() == null ? "" : "  (" + j.error() + ")"));
                }
                table.print(inv.out);
            }
            return 0;
        }
    }

    static final class Wait implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("job:wait", "ID")
                .value((char) 0, "timeout", "SECONDS", "give up waiting after this long (the job runs on)");

        private final Supplier<JobManager> jobs;

        Wait(Supplier<JobManager> jobs) {
            this.jobs = jobs;
        }

        @Override
        public String summary() {
            return "wait until a job ends; the status is 0 when it completed";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) throws Exception {
            Options o = OPTIONS.parse(inv.args);
            Job j = jobs.get().get(id(o));
            long timeout = Long.parseLong(o.get("timeout", "0"));
            boolean ended = j.await(timeout > 0 ? timeout : Long.MAX_VALUE / 2, TimeUnit.SECONDS);
            inv.out.println(line(j));
            if (!ended) {
                throw new CommandFailure("Job " + j.id() + " is still running", 1);
            }
            return j.state() == Job.State.COMPLETED ? 0 : 1;
        }
    }

    static final class Cancel implements Command {
        private static final Options.Spec OPTIONS = new Options.Spec("job:cancel", "ID");

        private final Supplier<JobManager> jobs;

        Cancel(Supplier<JobManager> jobs) {
            this.jobs = jobs;
        }

        @Override
        public String summary() {
            return "stop a job at its next consistent point";
        }

        @Override
        public Options.Spec options() {
            return OPTIONS;
        }

        @Override
        public int run(Invocation inv) {
            Job j = jobs.get().get(id(OPTIONS.parse(inv.args)));
            j.cancel();
            inv.out.println("Job " + j.id() + " cancellation requested");
            return 0;
        }
    }
}
