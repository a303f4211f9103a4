package org.strata.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.strata.api.DaemonThreads;

/**
 * Runs the real QEMU tools (qemu-img, qemu-io, ...) in tests. A missing tool fails the test: a skipped
 * interop test proves nothing, and the test command installs the tools.
 */
public final class QemuTools {

    private QemuTools() {
    }

    /** What a finished command printed and returned. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Fails unless the exit code is 0; returns stdout. */
        public String ok() {
            if (exitCode != 0) {
                throw new AssertionError("exit code " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return stdout;
        }
    }

    /** Runs {@code command} (the tool and its arguments, as strings) with a time limit of two minutes. */
    public static Result run(Object... command) {
        return run(strings(command));
    }

    public static Result run(List<String> command) {
        return runIn(null, command);
    }

    /** Runs {@code command} in the working directory {@code dir} (null: this process's). */
    public static Result runIn(Path dir, List<String> command) {
        requireTool(command.get(0));
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            p.getOutputStream().close();
            var out = readAsync(p.getInputStream());
            var err = readAsync(p.getErrorStream());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (Exception e) {
            throw new AssertionError("could not run " + String.join(" ", command) + ": " + e, e);
        }
    }

    /** Runs {@code qemu-img ARGS} (as strings) and fails unless it exits 0; returns its stdout. */
    public static String qemuImg(Object... args) {
        return run(prepend("qemu-img", args)).ok();
    }

    /**
     * Runs {@code qemu-io ARGS} (as strings) and fails unless it exits 0 and printed no failure; returns its
     * stdout.
     */
    public static String qemuIo(Object... args) {
        String out = run(prepend("qemu-io", args)).ok();
        if (out.contains("Pattern verification failed") || out.contains("failed:")) {
            throw new AssertionError("qemu-io reported a failure:\n" + out);
        }
        return out;
    }

    private static List<String> prepend(String tool, Object... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(strings(args));
        return cmd;
    }

    private static List<String> strings(Object... args) {
        List<String> out = new ArrayList<>();
        for (Object a : args) {
            out.add(String.valueOf(a));
        }
        return out;
    }

    /** Fails the test when {@code tool} (a name on the PATH, or a path) is not installed. */
    public static void requireTool(String tool) {
        if (tool.contains("/") && Files.isExecutable(Path.of(tool))) {
            return;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new AssertionError(tool + " is not installed: run the README's test command, which installs it");
    }

    /** Stops a server a test started: asks it to (SIGTERM), and kills it when it has not gone within 5 s. */
    public static void stop(Process server) {
        server.destroy();
        try {
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.Future<String> readAsync(InputStream in) {
        java.util.concurrent.FutureTask<String> task = new java.util.concurrent.FutureTask<>(
                () -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
        DaemonThreads.named("qemu-tool-output").newThread(task).start();
        return task;
    }

    /** Reads a whole file, failing the test on error. */
    public static byte[] readFile(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
