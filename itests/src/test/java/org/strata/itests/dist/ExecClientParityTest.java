package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.QemuTools;

/**
 * {@code strata exec} has two clients: lib/strata-exec.pl (perl, where perl is) and the Java launcher's
 * ({@code STRATA_EXEC_CLIENT=java}, a host without perl, and every command line the perl client hands over). Each
 * case here runs both and requires the same exit status, stdout and stderr, byte for byte, and checks which
 * client ran (a JVM writes the log file JAVA_OPTS names; perl does not).
 */
class ExecClientParityTest {

    private static Path home;
    private static Daemon daemon;
    private static Path jvmLog;

    @BeforeAll
    static void startDaemon() throws Exception {
        home = StrataInstall.newHome();
        daemon = Daemon.start(home);
        jvmLog = StrataInstall.newScratchDir("jvmlog").resolve("jvm.log");
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** What one client printed and returned; the bytes kept as ISO-8859-1 characters, one per byte. */
    record Outcome(int status, String out, String err, boolean jvm) {
        @Override
        public String toString() {
            return "status " + status + (jvm ? " (JVM)" : " (no JVM)") + "\n--- stdout\n" + out + "--- stderr\n"
                    + err;
        }
    }

    /** A client's process: bin/strata ARGS in cwd, STRATA_HOME unset unless {@code environment} sets it. */
    private static ProcessBuilder client(boolean java, Path cwd, Map<String, String> environment, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(StrataInstall.SCRIPT.toString()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().remove("STRATA_HOME");
        pb.environment().remove("STRATA_EXEC_CLIENT");
        Files.deleteIfExists(jvmLog);
        pb.environment().put("JAVA_OPTS", "-Xlog:os=info:file=" + jvmLog);
        if (java) {
            pb.environment().put("STRATA_EXEC_CLIENT", "java");
        }
        pb.environment().putAll(environment);
        return pb;
    }

    private static Outcome outcome(ProcessBuilder pb, Consumer<Process> during) throws Exception {
        Path out = Files.createTempFile(home, "out", ".bin");
        Path err = Files.createTempFile(home, "err", ".bin");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            during.accept(p);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("bin/strata did not finish within 60 s: " + pb.command());
            }
            return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                    Files.readString(err, StandardCharsets.ISO_8859_1), Files.exists(jvmLog));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** Runs both clients; fails unless they agree. Returns the perl client's outcome. */
    private static Outcome same(boolean perlHandles, Path cwd, Map<String, String> environment, String... args)
            throws Exception {
        return same(perlHandles, cwd, environment, p -> { }, args);
    }

    private static Outcome same(boolean perlHandles, Path cwd, Map<String, String> environment,
                                Consumer<Process> during, String... args) throws Exception {
        Outcome java = outcome(client(true, cwd, environment, args), during);
        Outcome perl = outcome(client(false, cwd, environment, args), during);
        String call = String.join(" ", args);
        assertTrue(java.jvm(), call + ": STRATA_EXEC_CLIENT=java ran no JVM");
        assertEquals(!perlHandles, perl.jvm(), call + ": " + (perlHandles ? "the perl client handed it to Java"
                : "the perl client should hand it to Java"));
        assertEquals(java.status(), perl.status(), call + "\njava: " + java + "\nperl: " + perl);
        assertEquals(java.out(), perl.out(), call + ": stdout");
        assertEquals(java.err(), perl.err(), call + ": stderr");
        return perl;
    }

    private static Outcome same(String... args) throws Exception {
        return same(true, home, Map.of(), args);
    }

    private static String[] exec(String... args) {
        List<String> all = new ArrayList<>(List.of("--home", home.toString(), "exec"));
        all.addAll(Arrays.asList(args));
        return all.toArray(new String[0]);
    }

    @Test
    void commandsAndTheirFailuresGiveTheSameBytes() throws Exception {
        String echoed = same(exec("test:echo", "a b", "", "ü")).out();
        assertEquals("[a b]\n[]\n[ü]\n",
                new String(echoed.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
        assertTrue(same(exec("test:env")).out().contains("cwd=" + home + "\n"));
        same(true, home, Map.of(), "--debug", "--home", home.toString(), "exec", "test:env");
        assertTrue(same("--allow-root", "/srv/images", "--home=" + home, "--allow-root=rel/dir", "--debug", "exec",
                "test:env").out().contains("allowRoots=[/srv/images, rel/dir]\n"));
        assertEquals(3, same(exec("test:exit", "3")).status());
        assertEquals(255, same(exec("test:exit", "-1")).status());
        assertEquals(1, same(exec("test:fail")).status());
        same("--debug", "--home", home.toString(), "exec", "test:fail");
        assertEquals(1, same(exec("no:such")).status());
        assertEquals(1, same(exec("not a name")).status());
        assertEquals(1, same(exec("image:info", "missing.qcow2")).status());
    }

    @Test
    void pathsResolveAgainstTheCallersDirectoryAndRootsAsGiven() throws Exception {
        Path base = Files.createDirectories(home.resolve("base"));
        Path top = Files.createDirectories(home.resolve("top"));
        QemuTools.run("qemu-img", "create", "-f", "qcow2", base.resolve("b.qcow2").toString(), "1M").ok();
        QemuTools.run("qemu-img", "create", "-f", "qcow2", "-b", "../base/b.qcow2", "-F", "qcow2",
                top.resolve("t.qcow2").toString()).ok();

        Outcome relative = same(true, top, Map.of(), exec("image:info", "--backing-chain", "--allow-root", "../base",
                "t.qcow2"));
        assertEquals(0, relative.status(), relative.toString());
        Outcome refused = same(true, top, Map.of(), exec("image:info", "--backing-chain", "t.qcow2"));
        assertEquals(1, refused.status(), refused.toString());
        Outcome allowed = same(true, top, Map.of(), "--allow-root", "../base", "--home", home.toString(), "exec",
                "image:info", "--backing-chain", "t.qcow2");
        assertEquals(relative.out(), allowed.out());
    }

    @Test
    void theHomeIsFoundAlike() throws Exception {
        Path sub = Files.createDirectories(home.resolve("sub"));
        assertEquals(0, same(true, sub, Map.of("STRATA_HOME", home.toString()), "exec", "lb").status());
        assertEquals(0, same(true, sub, Map.of("STRATA_HOME", "/nonexistent"), "--home", "./../", "exec", "lb")
                .status());
        assertEquals(0, same(true, sub, Map.of("STRATA_HOME", home.toString()), "--home=", "exec", "lb").status());
        // bin/strata's own install directory is the home without either (it has no daemon)
        Outcome none = same(true, sub, Map.of(), "exec", "lb");
        assertEquals(1, none.status(), none.toString());
        assertEquals("strata: no daemon is answering on " + StrataInstall.DIST.resolve("run/strata.sock")
                + " (no socket)\n", none.err());
    }

    @Test
    void commandLinesThePerlClientDoesNotReadAreTheJavaClients() throws Exception {
        same(false, home, Map.of(), "--help");
        same(false, home, Map.of(), "--help", "exec", "lb");
        same(false, home, Map.of(), "--home", home.toString(), "exec");
        same(false, home, Map.of(), "--bogus", "exec", "lb");
        same(false, home, Map.of(), "--home", home.toString(), "--", "exec", "lb");
        same(false, home, Map.of(), "--debug=yes", "exec", "lb");
        same(false, home, Map.of(), "--home", home.resolve("not-there").toString(), "exec", "lb");
        // getopt_long's abbreviations work too, through the Java client
        assertEquals(0, same(false, home, Map.of(), "--ho", home.toString(), "exec", "lb").status());
    }

    @Test
    void largeOutputIsCopiedWholeAndAClosedStdoutEndsWith141Silently() throws Exception {
        String[] large = new String[9];
        large[0] = "test:echo";
        for (int i = 1; i < large.length; i++) {
            large[i] = String.valueOf((char) ('a' + i)).repeat(100_000);
        }
        assertEquals(8 * (100_000 + 3), same(exec(large)).out().length());

        String pipeline = "\"$@\" | head -c 100 >/dev/null; exit \"${PIPESTATUS[0]}\"";
        List<String> bash = new ArrayList<>(List.of("bash", "-c", pipeline, "bash", StrataInstall.SCRIPT.toString()));
        bash.addAll(Arrays.asList(exec(large)));
        for (boolean java : new boolean[] {true, false}) {
            ProcessBuilder pb = client(java, home, Map.of());
            pb.command(bash);
            Outcome closed = outcome(pb, p -> { });
            assertEquals(new Outcome(141, "", "", java), closed, java ? "java" : "perl");
        }
    }

    @Test
    void aTerminalAndSignalsAreTreatedAlike() throws Exception {
        // script(1) gives the client a terminal for stdout; its typescript goes nowhere, its stdout is the client's
        String call = String.join(" ", List.of(StrataInstall.SCRIPT.toString(), "--home", home.toString(), "exec",
                "test:env"));
        List<Outcome> onATerminal = new ArrayList<>();
        for (boolean java : new boolean[] {true, false}) {
            ProcessBuilder pb = client(java, home, Map.of());
            pb.command("script", "-qec", call, "/dev/null");
            onATerminal.add(outcome(pb, p -> { }));
        }
        assertTrue(onATerminal.get(0).out().contains("tty=true"), onATerminal.get(0).toString());
        assertEquals(onATerminal.get(0).status(), onATerminal.get(1).status());
        assertEquals(onATerminal.get(0).out(), onATerminal.get(1).out());

        Outcome terminated = same(true, home, Map.of(), ExecClientParityTest::terminateOnceSleeping,
                exec("test:sleep", "5000"));
        assertEquals(128 + 15, terminated.status(), terminated.toString());
        assertEquals("sleeping\n", terminated.out());
    }

    private static void terminateOnceSleeping(Process p) {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Path out = Path.of("/proc/" + p.pid() + "/fd/1").toRealPath();
            while (Files.size(out) == 0) {
                assertTrue(System.nanoTime() < deadline, "test:sleep did not start");
                Thread.sleep(20);
            }
            p.destroy();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withoutADaemonBothSayTheSame() throws Exception {
        Path empty = StrataInstall.newHome();
        Outcome none = same(true, empty, Map.of(), "--home", empty.toString(), "exec", "lb");
        assertEquals(1, none.status());
        // a socket file nobody listens on, as a daemon that died leaves it
        Path socket = Files.createDirectories(empty.resolve("run")).resolve("strata.sock");
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket)).close();
        Outcome refused = same(true, empty, Map.of(), "--home", empty.toString(), "exec", "lb");
        assertEquals("strata: no daemon is answering on " + socket + " (Connection refused)\n", refused.err());
    }

    @Test
    void aBrokenDaemonIsReportedAlike() throws Exception {
        List<byte[]> answers = List.of(
                new byte[0],                                  // closes at once
                frame('O', "hello\n".getBytes(StandardCharsets.UTF_8), 0),
                new byte[] {'O', 0, 0, 0, 10, 'a', 'b'},      // closes in the middle of a frame
                new byte[] {'O', 0, 0x20, 0, 0},              // a length above the limit
                new byte[] {'O', (byte) 0xff, 0, 0, 0},       // a negative length
                frame('Z', new byte[0], 0),                   // an unknown frame type
                frame((byte) 0xc8, new byte[0], 0),           // one that is negative as a Java byte
                frame('X', new byte[] {0, 7}, 0),             // a malformed exit frame
                frame('E', "oops\n".getBytes(StandardCharsets.UTF_8), 300));
        List<Integer> statuses = new ArrayList<>();
        for (byte[] answer : answers) {
            try (FakeDaemon fake = new FakeDaemon(answer)) {
                statuses.add(same(true, fake.home, Map.of(), "--home", fake.home.toString(), "exec", "x:y").status());
            }
        }
        assertEquals(List.of(1, 1, 1, 1, 1, 1, 1, 1, 300 & 0xff), statuses);
    }

    @Test
    void theRequestIsTheSameByteForByte() throws Exception {
        try (FakeDaemon fake = new FakeDaemon(frame('X', new byte[4], 0))) {
            Path cwd = Files.createDirectories(fake.home.resolve("dir with space"));
            String[] args = {"--debug", "--allow-root", "../a", "--allow-root=", "--home", fake.home.toString(), "exec",
                    "image:info", "", "two words", "line\nbreak", "ünïcödé", "-x", "--", "--home"};
            same(true, cwd, Map.of("LC_ALL", "C.UTF-8"), args);
            assertEquals(2, fake.requests.size());
            assertEquals(Arrays.toString(fake.requests.get(0)), Arrays.toString(fake.requests.get(1)));
            assertTrue(new String(fake.requests.get(0), StandardCharsets.UTF_8).contains("ünïcödé"));
        }
    }

    /** A frame as the daemon sends it; {@code exit} appends an exit frame with that status unless it is 0. */
    private static byte[] frame(int type, byte[] payload, int exit) {
        ByteBuffer b = ByteBuffer.allocate(5 + payload.length + (exit != 0 ? 9 : 0));
        b.put((byte) type).putInt(payload.length).put(payload);
        if (exit != 0) {
            b.put((byte) 'X').putInt(4).putInt(exit);
        }
        return b.array();
    }

    /**
     * A management socket in a home of its own that answers every client with the same bytes and then closes,
     * keeping the payload of each client's request frame (see org.strata.cli.wire.Frame).
     */
    private static final class FakeDaemon implements AutoCloseable {
        final Path home;
        final List<byte[]> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final ServerSocketChannel server;
        private final Thread thread;

        FakeDaemon(byte[] answer) throws IOException {
            home = StrataInstall.newScratchDir("fake");
            Path socket = Files.createDirectories(home.resolve("run")).resolve("strata.sock");
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
            thread = new Thread(() -> {
                while (true) {
                    try (SocketChannel client = server.accept()) {
                        DataInputStream in = new DataInputStream(Channels.newInputStream(client));
                        in.readByte(); // R
                        requests.add(in.readNBytes(in.readInt()));
                        Channels.newOutputStream(client).write(answer);
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
            thread.start();
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(10_000);
        }
    }

    @Test
    void withoutPerlOnThePathTheJavaClientServes() throws Exception {
        // PATH: every command of /usr/bin but perl
        Path bin = StrataInstall.newScratchDir("noperl");
        try (Stream<Path> commands = Files.list(Path.of("/usr/bin"))) {
            for (Path command : (Iterable<Path>) commands::iterator) {
                if (!command.getFileName().toString().startsWith("perl")) {
                    Files.createSymbolicLink(bin.resolve(command.getFileName()), command);
                }
            }
        }
        Outcome java = outcome(client(false, home, Map.of("PATH", bin.toString()), exec("test:echo", "x")), p -> { });
        assertEquals(new Outcome(0, "[x]\n", "", true), java);
    }
}
