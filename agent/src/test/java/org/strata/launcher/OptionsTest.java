package org.strata.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

    @TempDir
    Path home;

    @Test
    void optionsBeforeTheSubcommandOnly() throws Exception {
        Options o = Options.parse(new String[] {"--home", home.toString(), "--debug", "--allow-root=/a",
                "--allow-root", "b", "exec", "image:info", "--debug", "--home", "x"}, null, null);
        assertEquals(home.toFile(), o.home);
        assertTrue(o.debug);
        assertEquals(List.of("/a", "b"), o.allowRoots);
        assertEquals("exec", o.mode);
        assertEquals(List.of("image:info", "--debug", "--home", "x"), o.argv);
        assertEquals(new File(home.toFile(), "run/strata.sock"), o.socket());
    }

    @Test
    void homeFallsBackToEnvironmentThenInstall() throws Exception {
        assertEquals(home.toFile(), Options.parse(new String[] {"daemon"}, home.toString(), "/nonexistent").home);
        assertEquals(home.toFile(), Options.parse(new String[] {"shell"}, null, home.toString()).home);
        assertEquals(home.toFile(), Options.parse(new String[] {"--home=" + home, "run", "lb"}, "/x", "/y").home);
    }

    @Test
    void usageErrors() {
        String h = home.toString();
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {}, h, null));
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {"exec"}, h, null));
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {"daemon", "x"}, h, null));
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {"--bogus", "daemon"}, h, null));
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {"frobnicate"}, h, null));
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {"--home"}, h, null));
        assertThrows(LauncherException.class, () -> Options.parse(new String[] {"daemon"}, null, null));
        assertThrows(LauncherException.class,
                () -> Options.parse(new String[] {"--home", h + "/missing", "daemon"}, null, null));
    }
}
