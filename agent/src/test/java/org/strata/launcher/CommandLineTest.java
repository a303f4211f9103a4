package org.strata.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {

    @TempDir
    Path home;

    @Test
    void optionsBeforeTheSubcommandOnly() throws Exception {
        CommandLine o = CommandLine.parse(new String[] {"--home", home.toString(), "--debug", "--allow-root=/a",
                "--allow-root", "b", "exec", "image:info", "--debug", "--home", "x"}, null, null);
        assertEquals(home.toFile(), o.home);
        assertTrue(o.debug);
        assertEquals(List.of("/a", "b"), o.allowRoots);
        assertEquals(CommandLine.Subcommand.EXEC, o.subcommand);
        assertEquals(List.of("image:info", "--debug", "--home", "x"), o.argv);
        assertEquals(new File(home.toFile(), "run/strata.sock"), o.socket());
    }

    @Test
    void homeFallsBackToEnvironmentThenInstall() throws Exception {
        assertEquals(home.toFile(), CommandLine.parse(new String[] {"daemon"}, home.toString(), "/nonexistent").home);
        assertEquals(home.toFile(), CommandLine.parse(new String[] {"shell"}, null, home.toString()).home);
        assertEquals(home.toFile(), CommandLine.parse(new String[] {"--home=" + home, "run", "lb"}, "/x", "/y").home);
    }

    @Test
    void usageErrors() {
        String h = home.toString();
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {}, h, null));
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {"exec"}, h, null));
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {"daemon", "x"}, h, null));
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {"--bogus", "daemon"}, h, null));
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {"frobnicate"}, h, null));
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {"--home"}, h, null));
        assertThrows(LauncherException.class, () -> CommandLine.parse(new String[] {"daemon"}, null, null));
        assertThrows(LauncherException.class,
                () -> CommandLine.parse(new String[] {"--home", h + "/missing", "daemon"}, null, null));
    }

    @Test
    void usageErrorsAreOneLineWithTheSynopsis() {
        String h = home.toString();
        String synopsis = "usage: strata [--home=DIR] [--debug] [--allow-root=DIR|URL_PREFIX]... [--help]"
                + " (daemon | exec CMD [ARG...] | shell | run CMD [ARG...])";
        assertEquals("unrecognized option '--bogus'; " + synopsis, assertThrows(LauncherException.class,
                () -> CommandLine.parse(new String[] {"--bogus", "daemon"}, h, null)).getMessage());
        assertEquals("missing argument for option '--home'; " + synopsis, assertThrows(LauncherException.class,
                () -> CommandLine.parse(new String[] {"--home"}, h, null)).getMessage());
        assertEquals("no subcommand given; " + synopsis, assertThrows(LauncherException.class,
                () -> CommandLine.parse(new String[] {"--debug"}, h, null)).getMessage());
        assertEquals("run needs a command; " + synopsis, assertThrows(LauncherException.class,
                () -> CommandLine.parse(new String[] {"run"}, h, null)).getMessage());
    }

    @Test
    void helpNeedsNoHome() throws Exception {
        CommandLine o = CommandLine.parse(new String[] {"--help"}, null, null);
        assertEquals(CommandLine.Subcommand.HELP, o.subcommand);
        String usage = CommandLine.usage();
        assertTrue(usage.startsWith("usage: strata [--home=DIR]"), usage);
        assertTrue(usage.contains("\n  --allow-root=DIR|URL_PREFIX\n"), usage);
        assertTrue(usage.contains("\n  run CMD [ARG...]        run one command in an agent of this process's own"),
                usage);
    }
}
