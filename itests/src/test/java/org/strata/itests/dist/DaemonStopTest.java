package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.QemuTools;

/**
 * SIGTERM to a daemon that serves: exports, nodes, clients connected and requests in flight. The exports stop
 * and the nodes flush and close before the drivers go, so the daemon exits 0 within seconds with its images
 * clean; nothing waits for a driver that is not coming back.
 */
class DaemonStopTest {

    private static final long MIB = 1 << 20;

    Daemon daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aDaemonServingClientsWithRequestsInFlightStopsWithinSecondsAfterADriverUpdate() throws Exception {
        Path home = StrataInstall.newHome();
        daemon = Daemon.start(home);
        Path image = daemon.serveNewQcow2("vm", 8 * MIB);
        try (NbdLoad load = new NbdLoad(daemon.nbd("vm"), 4, MIB, home)) {
            DriverJars.drop(home.resolve("deploy"), "strata-format-qcow2", "99.0.0", null);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!daemon.exec("node:list").out().contains("org.strata.format.qcow2 99.0.0")) {
                assertTrue(System.nanoTime() < deadline, "the node did not move to the new driver:\n"
                        + daemon.exec("node:list").out());
                Thread.sleep(100);
            }
            Thread.sleep(500);
            long millis = daemon.terminateWithin(10);
            System.out.println("daemon with 4 NBD clients busy stopped in " + millis + " ms");
        }
        assertEquals(0, QemuTools.run("qemu-img", "check", image.toString()).exitCode(), "qemu-img check");
    }

    @Test
    void aDaemonWhoseNodeLostItsDriverStopsWithinSecondsWhileARequestWaits() throws Exception {
        Path home = StrataInstall.newHome();
        daemon = Daemon.start(home);
        daemon.serveNewQcow2("vm", 4 * MIB);
        try (SteppedNbdClient client = new SteppedNbdClient(daemon.nbd("vm"))) {
            try (var jars = Files.list(home.resolve("deploy"))) {
                Files.delete(jars.filter(p -> p.getFileName().toString().startsWith("strata-format-qcow2"))
                        .findFirst().orElseThrow());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!daemon.exec("node:list").out().contains("detached")) {
                assertTrue(System.nanoTime() < deadline, "the node was not detached");
                Thread.sleep(200);
            }
            client.startRead(); // waits for the driver (pause timeout 60 s)
            Thread.sleep(1000);
            long millis = daemon.terminateWithin(10);
            System.out.println("daemon with a detached node and a waiting request stopped in " + millis + " ms");
            String result = client.result();
            assertTrue(result == null || result.startsWith("read failed"), "the waiting request was let go: "
                    + result);
        }
    }
}
