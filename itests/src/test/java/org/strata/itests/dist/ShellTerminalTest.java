package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.QemuTools;

/**
 * {@code strata shell} in a real terminal (tmux): line editing with the arrow keys, tab completion of commands,
 * options and file names, and a history that outlives the session.
 */
class ShellTerminalTest {

    private static final String PROMPT = "strata> ";

    static Path home;
    static Daemon daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        home = StrataInstall.newHome();
        daemon = Daemon.start(home);
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** The shell in a new terminal, with $HOME (where the history lives) at {@code userHome}. */
    private static Tmux shell(Path userHome) throws Exception {
        String command = "HOME='" + userHome + "' STRATA_NBD_LISTEN='unix:" + home.resolve("run/nbd.sock") + "' '"
                + StrataInstall.SCRIPT + "' --home '" + home + "' shell";
        Tmux tmux = Tmux.start("strata-itest-" + ProcessHandle.current().pid(), home.toString(), command);
        tmux.await(s -> s.contains(PROMPT), "a prompt");
        return tmux;
    }

    /** The line being edited: the screen's last prompt line. */
    private static boolean editing(String screen, String line) {
        String last = screen.substring(screen.lastIndexOf(PROMPT));
        return last.lines().findFirst().orElse("").stripTrailing().equals((PROMPT + line).stripTrailing());
    }

    @Test
    void completesEditsAndRemembersLines() throws Exception {
        QemuTools.run("qemu-img", "create", "-q", "-f", "qcow2", home.resolve("disk-one.qcow2").toString(), "1M")
                .ok();
        Path userHome = StrataInstall.newScratchDir("u");
        try (Tmux tmux = shell(userHome)) {
            tmux.keys("image:in", "Tab");
            tmux.await(s -> editing(s, "image:info"), "the command completed");
            tmux.keys("--back", "Tab");
            tmux.await(s -> editing(s, "image:info --backing-chain"), "the option completed");
            tmux.keys("disk-o", "Tab");
            tmux.await(s -> editing(s, "image:info --backing-chain disk-one.qcow2"), "the file name completed");
            tmux.keys("Enter");
            tmux.await(s -> s.contains("image: disk-one.qcow2") && editing(s, ""),
                    "image:info's output and a new prompt");

            // a typo fixed with the arrow keys, not printed as ^[[D
            tmux.keys("job:lst", "Left", "Left", "i");
            tmux.await(s -> editing(s, "job:list"), "the line edited in place");
            tmux.keys("Enter");
            tmux.await(s -> s.contains("ID  TYPE") && editing(s, ""), "job:list's table");

            tmux.keys("Up");
            tmux.await(s -> editing(s, "job:list"), "the previous line recalled");
            tmux.keys("C-u", "exit", "Enter");
            waitForExit(tmux);
        }
        String history = Files.readString(userHome.resolve(".strata_history"));
        assertTrue(history.contains("image:info --backing-chain disk-one.qcow2"), history);

        try (Tmux tmux = shell(userHome)) {
            tmux.keys("Up", "Up");
            tmux.await(s -> editing(s, "job:list"), "a line of the last session recalled");
            tmux.keys("C-u", "C-d");
            waitForExit(tmux);
        }
    }

    private static void waitForExit(Tmux tmux) throws Exception {
        for (int i = 0; i < 100 && tmux.running(); i++) {
            Thread.sleep(100);
        }
        if (tmux.running()) {
            fail("the shell did not end:\n" + tmux.screen());
        }
    }
}
