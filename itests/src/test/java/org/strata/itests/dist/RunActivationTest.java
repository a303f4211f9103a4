package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.strata.testkit.QemuTools;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.itests.testcmd.TestCommandsActivator;

/**
 * A {@code strata run} activates only what its command uses; the daemon activates its nodes, exports, NBD server
 * and the rest at start. {@code test:active} ({@link TestCommandsActivator}) runs a command, then lists the
 * components active after it.
 */
class RunActivationTest {

    /** What only the daemon, or a command that uses it, needs. */
    private static final List<String> DAEMON_ONLY = List.of(
            "org.strata.core.agent.NodeManager",
            "org.strata.core.agent.RefusedBundles",
            "org.strata.core.health.Health",
            "org.strata.core.metrics.Metrics",
            "org.strata.core.metrics.MetricsEndpoint",
            "org.strata.core.ops.JobManager",
            "org.strata.nbd.server.ExportManager",
            "org.strata.nbd.server.NbdServerComponent");

    @Test
    void anImageCommandInARunActivatesTheImageServiceAndNoServer() throws Exception {
        Path home = StrataInstall.newHome();
        QemuTools.run("qemu-img", "create", "-f", "qcow2", home.resolve("x.qcow2").toString(), "1M").ok();
        Result r = strata(home, home, "run", "test:active", "image:info", "x.qcow2");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("file format: qcow2"), r.toString());
        for (String used : List.of("org.strata.core.agent.ImageService", "org.strata.core.agent.DriverRegistry",
                "org.strata.format.qcow2.Qcow2FormatDriver", "org.strata.storage.file.FileStorageDriver",
                "org.strata.shell.ShellCommands")) {
            assertTrue(r.out().contains("active: " + used + "\n"), used + "\n" + r);
        }
        for (String unused : DAEMON_ONLY) {
            assertFalse(r.out().contains("active: " + unused + "\n"), unused + "\n" + r);
        }
    }

    @Test
    void aRunActivatesWhatItsCommandUsesWhenItRuns() throws Exception {
        Path home = StrataInstall.newHome();
        Result r = strata(home, home, "run", "test:active", "node:list");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("active: org.strata.core.agent.NodeManager\n"), r.toString());
        assertFalse(r.out().contains("active: org.strata.nbd.server.NbdServerComponent\n"), r.toString());
    }

    @Test
    void theDaemonActivatesItsServicesAtStart() throws Exception {
        Path home = StrataInstall.newHome();
        try (Daemon daemon = Daemon.start(home)) {
            String out = daemon.exec("test:active", "test:echo").out();
            for (String component : DAEMON_ONLY) {
                if (!component.endsWith(".Health")) { // activated by agent:health
                    assertTrue(out.contains("active: " + component + "\n"), component + "\n" + out);
                }
            }
        }
    }
}
