package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.strata.testkit.QemuTools;

/**
 * The unpacked install tree (target/dist/strata-VERSION from the dist tarball) and homes made from it: each
 * home gets its own copy of bundle/, deploy/ and etc/ plus the test command bundle, and is used through
 * {@code bin/strata --home HOME}. Every process gets STRATA_NBD_LISTEN=unix:HOME/run/nbd.sock, so that
 * concurrent daemons and runs never fight over 127.0.0.1:10809.
 */
final class StrataInstall {

    static final Path DIST = Path.of(System.getProperty("strata.dist"));
    static final Path SCRIPT = DIST.resolve("bin").resolve("strata");
    private static final Path WORK = Path.of(System.getProperty("itest.work"));
    private static final AtomicInteger HOMES = new AtomicInteger();
    private static final long PROCESS_TIMEOUT_SECONDS = 60;

    private StrataInstall() {
    }

    /** A fresh home; short path, as a Unix socket path must stay under 108 bytes. */
    static Path newHome() throws IOException {
        Path home = newScratchDir("h");
        for (String dir : List.of("bundle", "deploy", "etc")) {
            copyTree(DIST.resolve(dir), home.resolve(dir));
        }
        TestCommandBundle.write(home.resolve("bundle").resolve("testcmd.jar"));
        Files.writeString(home.resolve("etc").resolve("org.strata.itests.cfg"),
                "# read by ConfigurationTest\ngreeting = hello from etc\nhome = ${strata.home}/x\n");
        Files.writeString(home.resolve("etc").resolve("org.strata.itests.factory-one.cfg"), "n = 1\n");
        Files.writeString(home.resolve("etc").resolve("org.strata.itests.typed.config"), "count=I\"3\"\n");
        return home;
    }

    /** A new empty directory of this test JVM under the work directory, named PREFIX + pid + counter. */
    static Path newScratchDir(String prefix) throws IOException {
        Path dir = WORK.resolve(prefix + ProcessHandle.current().pid() + "-" + HOMES.incrementAndGet());
        deleteTree(dir);
        return Files.createDirectories(dir);
    }

    record Result(int status, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }

        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static ProcessBuilder command(Path home, Path cwd, String... args) {
        return command(SCRIPT, home, cwd, args);
    }

    /** {@code SCRIPT --home HOME ARGS} run in {@code cwd}, for bin/strata or another script of bin/. */
    static ProcessBuilder command(Path script, Path home, Path cwd, String... args) {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.add("--home");
        command.add(home.toString());
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().put("STRATA_NBD_LISTEN", "unix:" + home.resolve("run").resolve("nbd.sock"));
        pb.environment().remove("STRATA_HOME");
        pb.environment().remove("JAVA_OPTS");
        return pb;
    }

    /** Runs bin/strata to its end, collecting stdout and stderr. */
    static Result strata(Path home, Path cwd, String... args) throws IOException, InterruptedException {
        return collect(command(home, cwd, args).start(), null);
    }

    static Result strataWithInput(Path home, String input, String... args) throws IOException, InterruptedException {
        return collect(command(home, home, args).start(), input);
    }

    static Result collect(Process p, String input) throws IOException, InterruptedException {
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        try {
            Thread outPump = pump(p.getInputStream(), out);
            Thread errPump = pump(p.getErrorStream(), err);
            try (var stdin = p.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("bin/strata did not finish within " + PROCESS_TIMEOUT_SECONDS + " s");
            }
            outPump.join();
            errPump.join();
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Thread pump(java.io.InputStream in, Path file) {
        Thread t = new Thread(() -> {
            try (in) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // the process went away
            }
        });
        t.start();
        return t;
    }

    /** A daemon in the foreground of a child process, as an administrator or systemd would run it. */
    static final class Daemon implements AutoCloseable {
        final Path home;
        final Process process;
        final Path stdout;
        final Path stderr;

        private Daemon(Path home, Process process, Path stdout, Path stderr) {
            this.home = home;
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        static Daemon start(Path home) throws Exception {
            return start(home, "unix:" + home.resolve("run").resolve("nbd.sock"));
        }

        /** A daemon whose NBD server listens on {@code nbdListen} (STRATA_NBD_LISTEN), or, if null, as etc/ says. */
        static Daemon start(Path home, String nbdListen) throws Exception {
            Path stdout = home.resolve("daemon.out");
            Path stderr = home.resolve("daemon.err");
            ProcessBuilder daemon = command(home, home, "daemon");
            if (nbdListen == null) {
                daemon.environment().remove("STRATA_NBD_LISTEN");
            } else {
                daemon.environment().put("STRATA_NBD_LISTEN", nbdListen);
            }
            Process p = daemon.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            Daemon d = new Daemon(home, p, stdout, stderr);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(stdout).contains("daemon running")) {
                if (!p.isAlive()) {
                    fail("the daemon exited with " + p.exitValue() + ": " + Files.readString(stderr));
                }
                if (System.nanoTime() > deadline) {
                    d.close();
                    fail("the daemon did not report ready within 30 s: " + Files.readString(stderr));
                }
                Thread.sleep(50);
            }
            return d;
        }

        Path socket() {
            return home.resolve("run").resolve("strata.sock");
        }

        /** Runs {@code strata exec ARGS} in the home; fails unless it exits 0. */
        Result exec(String... args) throws IOException, InterruptedException {
            List<String> all = new ArrayList<>(List.of("exec"));
            all.addAll(Arrays.asList(args));
            Result r = strata(home, home, all.toArray(new String[0]));
            assertEquals(0, r.status(), () -> String.join(" ", all) + "\n" + r);
            return r;
        }

        /** Runs {@code strata exec ARGS} until its output satisfies {@code done}; fails after 10 s. Returns that output. */
        String awaitExec(Predicate<String> done, String... args) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String out;
            while (!done.test(out = exec(args).out())) {
                if (System.nanoTime() > deadline) {
                    fail(String.join(" ", args) + " after 10 s:\n" + out);
                }
                Thread.sleep(100);
            }
            return out;
        }

        /** The NBD URI of one of the daemon's exports (it listens on run/nbd.sock). */
        String nbd(String export) {
            return "nbd+unix:///" + export + "?socket=" + home.resolve("run").resolve("nbd.sock");
        }

        /** Creates a qcow2 image in the home (with qemu-img) and serves it as a writable export, node and export named {@code name}. */
        Path serveNewQcow2(String name, long size) throws IOException, InterruptedException {
            Path image = home.resolve(name + ".qcow2");
            QemuTools.run("qemu-img", "create", "-f", "qcow2", image.toString(), Long.toString(size)).ok();
            exec("node:add", "--name", name, image.toString());
            exec("export:add", "--writable", name);
            return image;
        }

        /**
         * Waits (30 s at most) until the exports named serve (their nodes attached), as after a start with
         * persisted nodes and exports.
         */
        void awaitExportsServing(List<String> names) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                String exports = exec("export:list").out();
                if (names.stream().allMatch(n -> exports.lines().anyMatch(l -> l.startsWith(n + " ")
                        && l.endsWith(" serving")))) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "not every export serves 30 s after the start:\n" + exports
                        + exec("node:list").out() + log());
                Thread.sleep(100);
            }
        }

        /** SIGTERM; fails unless the daemon exits 0 within {@code seconds}. Returns how long it took. */
        long terminateWithin(int seconds) throws IOException, InterruptedException {
            long start = System.nanoTime();
            process.destroy();
            boolean stopped = process.waitFor(seconds, TimeUnit.SECONDS);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(stopped, "the daemon did not stop within " + seconds + " s of SIGTERM");
            assertEquals(0, process.exitValue(), log());
            return millis;
        }

        /** What the daemon has printed so far (its log), stdout then stderr. */
        String log() throws IOException {
            return Files.readString(stdout) + Files.readString(stderr);
        }

        /** SIGTERM, then the daemon's exit status. */
        int terminate() throws InterruptedException {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the daemon did not stop within 60 s of SIGTERM");
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** The size of an install tree's class-data sharing archive lib/cds/KIND-KEY.jsa (run or client); 0 if none. */
    static long cdsArchive(Path install, String kind) throws IOException {
        Path dir = install.resolve("lib").resolve("cds");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> archives = files.filter(f -> f.getFileName().toString().matches(kind + "-[0-9]+\\.jsa")).toList();
            assertEquals(1, archives.size(), () -> "one " + kind + " archive in " + dir + ": " + archives);
            return Files.size(archives.get(0));
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            List<Path> paths = new ArrayList<>(all.toList());
            paths.sort((a, b) -> b.getNameCount() - a.getNameCount());
            for (Path p : paths) {
                File f = p.toFile();
                f.delete();
            }
        }
    }
}
