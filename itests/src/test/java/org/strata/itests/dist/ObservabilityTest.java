package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;
import static org.strata.testkit.QemuTools.qemuIo;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * What an administrator watches, through the install tree: the log file, node:stats and the Prometheus endpoint
 * show a convert job and NBD traffic; agent:health turns critical while a driver a node needs is away.
 */
class ObservabilityTest {

    private static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}";

    @Test
    void theLogAndTheMetricsShowAConvertJobAndNbdTraffic() throws Exception {
        Path home = StrataInstall.newHome();
        int port = enableMetrics(home);
        Path source = home.resolve("src.qcow2");
        QemuTools.run("qemu-img", "create", "-f", "qcow2", source.toString(), "4M").ok();
        qemuIo("-f", "qcow2", "-c", "write -P 0x5a 0 1M", source.toString());
        try (Daemon daemon = Daemon.start(home)) {
            String started = daemon.exec("image:convert", "--job", "-O", "raw", "src.qcow2", "dst.raw").out();
            Matcher id = Pattern.compile("Job (\\d+) started").matcher(started);
            assertTrue(id.find(), started);
            daemon.exec("job:wait", id.group(1));
            String jobs = daemon.exec("job:list").out();
            assertTrue(jobs.matches("(?s).*\\n" + id.group(1) + " +convert +completed +100\\.00%.*"), jobs);

            daemon.serveNewQcow2("vm1", 4 << 20);
            qemuIo("-f", "raw", "-c", "write -P 0xab 0 64k", "-c", "read -P 0xab 0 64k", daemon.nbd("vm1"));

            String json = daemon.exec("node:stats", "--output=json", "vm1").out();
            for (String kind : List.of("node", "export")) {
                String entry = "\"type\": \"" + kind + "\",\\s*\"name\": \"vm1\",\\s*\"node\": \"vm1\",\\s*"
                        + "\"requests\": \\d+,\\s*\"errors\": 0,\\s*\"in-flight\": 0,\\s*\"bytes-read\": 65536,\\s*"
                        + "\"bytes-written\": 65536,\\s*\"latency-us\": \\{\\s*\"p50\": [1-9]\\d*";
                assertTrue(Pattern.compile(entry).matcher(json).find(), kind + " in " + json);
            }
            String table = daemon.exec("node:stats").out();
            assertTrue(table.lines().anyMatch(l -> l.matches("export +vm1 +\\d+ +0 +0 +65536 +65536 .*")), table);

            String metrics = scrape(port);
            assertTrue(metrics.contains("\nstrata_written_bytes_total{type=\"export\",name=\"vm1\"} 65536\n"), metrics);
            assertTrue(metrics.contains("\nstrata_read_bytes_total{type=\"node\",name=\"vm1\"} 65536\n"), metrics);
            assertTrue(metrics.contains("\nstrata_job_progress_ratio{id=\"" + id.group(1)
                    + "\",type=\"convert\",state=\"completed\"} 1.0\n"), metrics);

            Path logFile = home.resolve("var/log/strata.log");
            String log = Files.readString(logFile);
            for (String line : List.of(
                    "INFO org\\.strata\\.core\\.agent\\.DriverRegistry: format driver 'qcow2': org\\.strata\\.format"
                            + "\\.qcow2 \\S+ serves",
                    "INFO org\\.strata\\.core\\.ops\\.JobManager: job " + id.group(1) + " \\(convert\\) started: .*",
                    "INFO org\\.strata\\.core\\.ops\\.JobManager: job " + id.group(1) + " \\(convert\\) completed in"
                            + " \\d+\\.\\d s",
                    "INFO org\\.strata\\.core\\.agent\\.NodeManager: node vm1: opened .*vm1\\.qcow2 \\(qcow2\\)",
                    "INFO org\\.strata\\.nbd: NBD export 'vm1' added \\(writable, 4194304 bytes\\)",
                    "INFO org\\.strata\\.nbd: strata-nbd-conn-\\d+: client .* connected to export 'vm1'.*",
                    "INFO org\\.strata\\.nbd: strata-nbd-conn-\\d+: client .* gone from export 'vm1'",
                    "INFO org\\.strata\\.core\\.metrics\\.MetricsEndpoint: metrics served on http://127\\.0\\.0\\.1:"
                            + port + "/metrics")) {
                Pattern p = Pattern.compile(TIME + " " + line);
                assertTrue(log.lines().anyMatch(l -> p.matcher(l).matches()), line + " in\n" + log);
            }
            assertTrue(Files.readString(daemon.stderr).contains("NBD export 'vm1' added"),
                    "stderr (the journal under systemd) has the same lines");
        }
    }

    @Test
    void healthTurnsCriticalWhenADriverANodeNeedsLeavesAndOkWhenItReturns() throws Exception {
        Path home = StrataInstall.newHome();
        Path jar = home.resolve("deploy").resolve("strata-format-vdi-0.1.0.jar");
        assertTrue(Files.isRegularFile(jar), "the install tree deploys vdi");
        try (Daemon daemon = Daemon.start(home)) {
            daemon.exec("image:create", "-f", "vdi", "d.vdi", "4M");
            daemon.exec("node:add", "--name", "d", "d.vdi");
            Result ok = health(home, 0);
            assertTrue(ok.out().matches("(?s)OK +disk-space +\\S+ \\d+\\.\\d% free\\n"
                    + "OK +drivers +1 node\\(s\\), every driver they need is bound\\n"
                    + "OK +nbd-listener +listening on .*\\n"
                    + "OK +nodes +1 node\\(s\\), all attached\\n"
                    + "status: OK\\n"), ok.out());

            Path aside = home.resolve("vdi.jar.aside");
            Files.move(jar, aside, StandardCopyOption.ATOMIC_MOVE);
            daemon.awaitExec(s -> s.contains("detached"), "node:list");
            Result critical = health(home, 2, "--output=json");
            String json = critical.out();
            assertTrue(json.matches("(?s)\\{\\s*\"status\": \"critical\",.*"), json);
            assertTrue(json.matches("(?s).*\"name\": \"drivers\",\\s*\"status\": \"critical\",\\s*\"message\": \"no"
                    + " driver bound: node d needs format:vdi\".*"), json);
            assertTrue(json.matches("(?s).*\"name\": \"nodes\",\\s*\"status\": \"critical\",\\s*\"message\":"
                    + " \"detached: d .*"), json);

            Files.move(aside, jar, StandardCopyOption.ATOMIC_MOVE);
            daemon.awaitExec(s -> s.contains("attached") && !s.contains("detached"), "node:list");
            assertTrue(health(home, 0).out().endsWith("status: OK\n"));
        }
    }

    /**
     * Convert, commit, rebase and stream, each started as a job at 1 MiB/s over 8 MiB of data, show a percentage
     * between 0 and 100 in job:list and a ratio between 0 and 1 in the metrics while they run.
     */
    @Test
    void everyLongJobShowsItsProgressWhileItRuns() throws Exception {
        Path home = StrataInstall.newHome();
        int port = enableMetrics(home);
        for (String name : List.of("convert", "commit", "rebase", "stream")) {
            Path base = home.resolve(name + "-base.qcow2");
            QemuTools.run("qemu-img", "create", "-f", "qcow2", base.toString(), "8M").ok();
            qemuIo("-f", "qcow2", "-c", "write -P 0x11 0 8M", base.toString());
            Path top = home.resolve(name + ".qcow2");
            QemuTools.run("qemu-img", "create", "-f", "qcow2", "-b", base.getFileName().toString(), "-F", "qcow2",
                    top.toString()).ok();
            if (name.equals("commit")) {
                qemuIo("-f", "qcow2", "-c", "write -P 0x22 0 8M", top.toString());
            }
        }
        try (Daemon daemon = Daemon.start(home)) {
            // convert's eight workers copy all four 2 MiB chunks at once: progress must follow the rate all the same
            daemon.exec("image:convert", "--job", "-r", "1M", "-O", "raw", "convert.qcow2", "converted.raw");
            daemon.exec("image:commit", "--job", "-r", "1M", "commit.qcow2");
            daemon.exec("image:rebase", "--job", "-r", "1M", "-b", "", "rebase.qcow2");
            daemon.exec("image:stream", "--job", "-r", "1M", "stream.qcow2");
            Pattern running = Pattern.compile("\\d+ +(\\w+) +running +(\\d+\\.\\d\\d)%.*");
            Set<String> seen = new TreeSet<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (seen.size() < 4 && System.nanoTime() < deadline) {
                for (String line : daemon.exec("job:list").out().lines().toList()) {
                    Matcher m = running.matcher(line);
                    if (m.matches() && Double.parseDouble(m.group(2)) > 0 && Double.parseDouble(m.group(2)) < 100) {
                        seen.add(m.group(1));
                    }
                }
                Thread.sleep(200);
            }
            assertEquals(Set.of("commit", "convert", "rebase", "stream"), seen);
            String metrics = scrape(port);
            assertTrue(Pattern.compile("\nstrata_job_progress_ratio\\{id=\"\\d\",type=\"\\w+\",state=\"running\"\\}"
                    + " 0\\.\\d+\n").matcher(metrics).find(), metrics);
            for (int id = 1; id <= 4; id++) {
                daemon.exec("job:cancel", Integer.toString(id));
            }
        }
    }

    /** Sets metrics.port in the home's etc/ to a free port, and returns it. */
    private static int enableMetrics(Path home) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Files.writeString(home.resolve("etc/org.strata.agent.cfg"), "\nmetrics.port=" + port + "\n",
                StandardOpenOption.APPEND);
        return port;
    }

    /** What the Prometheus endpoint serves now. */
    private static String scrape(int port) throws Exception {
        HttpResponse<String> scraped = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scraped.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scraped.headers().firstValue("Content-Type")
                .orElse(""));
        return scraped.body();
    }

    /** {@code strata exec agent:health ARGS}, which must exit with {@code status}. */
    private static Result health(Path home, int status, String... args) throws Exception {
        String[] command = new String[args.length + 2];
        command[0] = "exec";
        command[1] = "agent:health";
        System.arraycopy(args, 0, command, 2, args.length);
        Result r = strata(home, home, command);
        assertEquals(status, r.status(), r.toString());
        assertEquals("", r.err(), r.toString());
        return r;
    }
}
