package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Result;

/**
 * The class-data sharing archives follow the install: a copy of the install tree at another path (what a user
 * unpacking the tarball gets) makes its own at its first {@code run} and first {@code exec}, and the starts after
 * it load the launcher's and Felix's classes from them.
 */
class ClassDataSharingTest {

    /** How -Xlog:class+load reports a class taken from the dynamic archive. */
    private static final String FROM_ARCHIVE = " source: shared objects file (top)";

    @Test
    void aCopiedInstallTreeMakesAndUsesItsOwnArchives() throws Exception {
        Path install = StrataInstall.newScratchDir("cds").resolve("strata");
        StrataInstall.copyTree(StrataInstall.DIST, install);
        Path script = install.resolve("bin").resolve("strata");
        Path home = StrataInstall.newHome();

        Result firstRun = run(script, home, "", "run", "lb");
        assertEquals(0, firstRun.status(), firstRun.toString());
        assertTrue(StrataInstall.cdsArchive(install, "run") > 0, "the first run made no archive");
        Result run = run(script, home, "-Xshare:on -Xlog:class+load=info", "run", "lb");
        assertEquals(0, run.status(), run.toString());
        assertTrue(run.out().contains("org.apache.felix.framework.Felix" + FROM_ARCHIVE), run.out());
        assertTrue(run.out().contains("org.strata.launcher.framework.RunCommand" + FROM_ARCHIVE), run.out());

        Result firstExec = run(script, home, "", "exec", "lb");
        assertNotEquals(0, firstExec.status(), "no daemon runs: " + firstExec);
        assertTrue(StrataInstall.cdsArchive(install, "client") > 0, "the first exec made no archive");
        Result exec = run(script, home, "-Xshare:on -Xlog:class+load=info", "exec", "lb");
        assertTrue(exec.out().contains("org.strata.launcher.client.DaemonClient" + FROM_ARCHIVE), exec.out());
    }

    private static Result run(Path script, Path home, String javaOpts, String... args) throws Exception {
        ProcessBuilder pb = StrataInstall.command(script, home, home, args);
        pb.environment().put("JAVA_OPTS", javaOpts);
        pb.environment().put("STRATA_EXEC_CLIENT", "java"); // the client archive is the Java client's
        return StrataInstall.collect(pb.start(), null);
    }
}
