package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real terminal for a test: one program in a tmux session on a tmux server of its own (its own socket name), keys
 * sent as a user types them, the screen read back. Closing kills that server, nothing else.
 */
final class Tmux implements AutoCloseable {

    private static final String SESSION = "t";

    private final String server;

    private Tmux(String server) {
        this.server = server;
    }

    /** Runs {@code command} (a sh command line) in {@code cwd} in a new 120x40 terminal. */
    static Tmux start(String server, String cwd, String command) throws IOException, InterruptedException {
        Tmux tmux = new Tmux(server);
        tmux.run("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", "-c", cwd, command);
        return tmux;
    }

    /** Sends keys as tmux names them ({@code Tab}, {@code Up}, {@code Enter}, {@code C-u}) or literal text. */
    void keys(String... keys) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", SESSION, "--"));
        args.addAll(Arrays.asList(keys));
        run(args.toArray(new String[0]));
    }

    /** The screen's text, wrapped lines joined. */
    String screen() throws IOException, InterruptedException {
        return run("capture-pane", "-p", "-J", "-t", SESSION);
    }

    /** Waits up to 20 s until the screen satisfies {@code test}; returns it. */
    String await(Predicate<String> test, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String screen;
        while (!test.test(screen = screen())) {
            if (System.nanoTime() > deadline) {
                fail("the terminal did not show " + what + " within 20 s; it shows:\n" + screen);
            }
            Thread.sleep(100);
        }
        return screen;
    }

    /** Whether the program still runs (its session ends with it). */
    boolean running() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tmux", "-L", server, "has-session", "-t", SESSION)
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", server));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("tmux", "-L", server, "kill-server").redirectErrorStream(true).start().waitFor();
    }
}
