package org.strata.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.strata.core.ops.Job;
import org.strata.core.ops.JobManager;

/** {@code job:list}, {@code job:wait}, {@code job:cancel}: the daemon's background operations. */
final class JobCommands {

    private JobCommands() {
    }

    static List<Command> all(JobManager jobs) {
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

    private static String line(Job j) {
        return String.format("%-4d %-8s %-10s %6.2f%%  %s%s", j.id(), j.kind(), j.state().name().toLowerCase(),
                j.percent(), j.description(), j.error() == null ? "" : "  (" + j.error() + ")");
    }

    static final class ListJobs implements Command {
        private final JobManager jobs;

        ListJobs(JobManager jobs) {
            this.jobs = jobs;
        }

        @Override
        public String name() {
            return "job:list";
        }

        @Override
        public String usage() {
            return "usage: job:list [--output=human|json]";
        }

        @Override
        public int run(Invocation inv) {
            Options o = new Options.Spec().value((char) 0, "output").parse(inv.args);
            o.operands(0, 0, "no arguments");
            if (o.json()) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Job j : jobs.list()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", j.id());
                    m.put("type", j.kind());
                    m.put("state", j.state().name().toLowerCase());
                    m.put("progress", Math.round(j.percent() * 100) / 100.0);
                    m.put("description", j.description());
                    m.put("error", j.error());
                    out.add(m);
                }
                inv.out.println(Json.GSON.toJson(out));
            } else {
                inv.out.printf("%-4s %-8s %-10s %7s  %s%n", "ID", "TYPE", "STATE", "DONE", "DESCRIPTION");
                for (Job j : jobs.list()) {
                    inv.out.println(line(j));
                }
            }
            return 0;
        }
    }

    static final class Wait implements Command {
        private final JobManager jobs;

        Wait(JobManager jobs) {
            this.jobs = jobs;
        }

        @Override
        public String name() {
            return "job:wait";
        }

        @Override
        public String usage() {
            return "usage: job:wait [--timeout SECONDS] ID";
        }

        @Override
        public int run(Invocation inv) throws Exception {
            Options o = new Options.Spec().value((char) 0, "timeout").parse(inv.args);
            Job j = jobs.get(id(o));
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
        private final JobManager jobs;

        Cancel(JobManager jobs) {
            this.jobs = jobs;
        }

        @Override
        public String name() {
            return "job:cancel";
        }

        @Override
        public String usage() {
            return "usage: job:cancel ID";
        }

        @Override
        public int run(Invocation inv) {
            Job j = jobs.get(id(new Options.Spec().parse(inv.args)));
            j.cancel();
            inv.out.println("Job " + j.id() + " cancellation requested");
            return 0;
        }
    }
}
