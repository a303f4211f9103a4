package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;

/**
 * etc/*.cfg reaches Config Admin before any command runs: pushed by the launcher in `run`, scanned by FileInstall
 * at start in the daemon; ${strata.home} is substituted; NAME-SUFFIX.cfg is a factory configuration; .config
 * files carry types (Felix's format).
 */
class ConfigurationTest {

    @Test
    void runPushesEtcBeforeTheCommand() throws Exception {
        Path home = StrataInstall.newHome();
        assertEquals("greeting=hello from etc\n", strata(home, home, "run", "test:config", "org.strata.itests",
                "greeting").out());
        assertEquals("home=" + home + "/x\n", strata(home, home, "run", "test:config", "org.strata.itests",
                "home").out());
        Result factory = strata(home, home, "run", "test:config", "org.strata.itests.factory", "n");
        assertEquals("n=1\n", factory.out(), factory.toString());
        Result typed = strata(home, home, "run", "test:config", "org.strata.itests.typed", "count");
        assertEquals("count=3 (java.lang.Integer)\n", typed.out(), typed.toString());
    }

    @Test
    void theDaemonHasEtcFromTheStart() throws Exception {
        Path home = StrataInstall.newHome();
        try (Daemon daemon = Daemon.start(home)) {
            assertEquals("greeting=hello from etc\n", strata(home, home, "exec", "test:config",
                    "org.strata.itests", "greeting").out());
            assertEquals("home=" + home + "/x\n", strata(home, home, "exec", "test:config", "org.strata.itests",
                    "home").out());
            assertEquals("n=1\n", strata(home, home, "exec", "test:config", "org.strata.itests.factory", "n").out());
            assertEquals("count=3 (java.lang.Integer)\n", strata(home, home, "exec", "test:config",
                    "org.strata.itests.typed", "count").out());
        }
    }
}
