package org.strata.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real NBD server that records what it is asked: nbdkit with its log filter, on a Unix socket. Tests read the
 * writes, zeroes and flushes it received, with their FUA flags, to see how durable a client made its writes.
 */
public final class LoggedNbdkit implements AutoCloseable {

    private static final Pattern REQUEST =
            Pattern.compile("connection=\\d+ (Write|Zero|Flush) id=\\d+.*?(?: fua=(\\d))?(?: fast=\\d)? \\.\\.\\.$");

    private final Process process;
    private final Path socket;
    private final Path log;

    private LoggedNbdkit(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /**
     * Starts {@code nbdkit PLUGIN ARGS...} with the log filter, its socket and log in {@code dir} under {@code name}.
     */
    public static LoggedNbdkit start(Path dir, String name, String... pluginAndArgs) throws IOException {
        QemuTools.requireTool("nbdkit");
        Path socket = dir.resolve(name + ".sock");
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of("nbdkit", "-f", "--exit-with-parent", "-U", socket.toString(),
                "--filter=log"));
        cmd.addAll(List.of(pluginAndArgs));
        cmd.add("logfile=" + log);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket) || !Files.exists(log)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not start");
            }
            sleep();
        }
        return new LoggedNbdkit(p, socket, log);
    }

    /** The export's URL. */
    public String url() {
        return "nbd+unix:///?socket=" + socket;
    }

    /**
     * The writes, zeroes and flushes received so far, in order, as {@code "Write fua=1"}, {@code "Zero fua=0"},
     * {@code "Flush"}; it waits until every client that connected has disconnected.
     */
    public List<String> requests() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = Files.readAllLines(log);
        while (count(lines, " Connect ") != count(lines, " Disconnect ")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("a client of nbdkit is still connected:\n" + String.join("\n", lines));
            }
            sleep();
            lines = Files.readAllLines(log);
        }
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = REQUEST.matcher(line);
            if (m.find()) {
                out.add(m.group(2) == null ? m.group(1) : m.group(1) + " fua=" + m.group(2));
            }
        }
        return out;
    }

    private static long count(List<String> lines, String what) {
        return lines.stream().filter(l -> l.contains(what)).count();
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        QemuTools.stop(process);
    }
}
