package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * One writer per image, across Strata and QEMU, through QEMU's own file locks: while a Strata daemon serves an
 * image, a second daemon (its own home), {@code strata run}, qemu-img, qemu-io and qemu-storage-daemon are refused
 * with one clear line, and readers that ask for no lock ({@code -U}) are let in; while qemu-storage-daemon holds an
 * image, Strata is refused the same way. A holder killed with SIGKILL leaves no lock behind: the next writer gets
 * the image at once.
 */
class ImageLockingTest {

    private static final String LOCKED = "Is another process using the image";

    private Daemon daemon;
    private Daemon other;
    private Process qemu;

    @AfterEach
    void tearDown() throws Exception {
        for (Daemon d : new Daemon[] {daemon, other}) {
            if (d != null) {
                d.close();
            }
        }
        if (qemu != null) {
            QemuTools.stop(qemu);
        }
    }

    @Test
    void aDaemonsNodeRefusesEveryOtherWriterUntilTheDaemonIsKilled() throws Exception {
        Path home = StrataInstall.newHome();
        Path image = home.resolve("disk.qcow2");
        QemuTools.qemuImg("create", "-q", "-f", "qcow2", image, "4M");
        daemon = Daemon.start(home);
        daemon.exec("node:add", "--name", "vm", image.toString());
        daemon.exec("export:add", "--writable", "vm");

        Path otherHome = StrataInstall.newHome();
        other = Daemon.start(otherHome);
        assertRefused(strata(otherHome, otherHome, "exec", "node:add", image.toString()), image);
        assertFalse(other.exec("node:list").out().contains(image.toString()), "no node was added");
        assertRefused(strata(otherHome, otherHome, "run", "image:io", "-c", "write 0 512", image.toString()), image);
        assertRefused(strata(otherHome, otherHome, "run", "image:info", image.toString()), image);
        assertRefusedByQemu(QemuTools.run("qemu-img", "info", image), image);
        assertRefusedByQemu(QemuTools.run("qemu-io", "-c", "write 0 512", image), image);
        assertRefusedByQemu(qemuStorageDaemon(home, image), image);

        // readers that take no lock
        Result info = strata(otherHome, otherHome, "run", "image:info", "-U", image.toString());
        assertEquals(0, info.status(), info.toString());
        assertTrue(QemuTools.qemuImg("info", "-U", image).contains("file format: qcow2"));
        QemuTools.qemuIo("-r", "-U", "-c", "read 0 512", image);

        daemon.process.destroyForcibly();
        assertTrue(daemon.process.waitFor(30, TimeUnit.SECONDS));
        long killed = System.nanoTime();
        QemuTools.qemuIo("-c", "write -P 7 0 512", image); // the next writer gets it at once
        long taken = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        other.exec("node:add", "--name", "vm", image.toString());
        QemuTools.qemuIo("-r", "-U", "-c", "read -P 7 0 512", image);
        System.out.printf("locking, Strata holding: a second daemon, strata run (write, info), qemu-img info, qemu-io"
                + " and qemu-storage-daemon refused in one line each; strata run, qemu-img and qemu-io with -U let in;"
                + " after SIGKILL of the holder, qemu-io wrote within %d ms (its own start included)%n", taken);
    }

    @Test
    void anImageQemuHoldsIsRefusedToStrataUntilQemuIsKilled() throws Exception {
        Path home = StrataInstall.newHome();
        Path image = home.resolve("held.qcow2");
        QemuTools.qemuImg("create", "-q", "-f", "qcow2", image, "4M");
        qemu = startQemuStorageDaemon(home, image);
        daemon = Daemon.start(home);

        assertRefused(strata(home, home, "exec", "node:add", image.toString()), image);
        assertRefused(strata(home, home, "run", "image:io", "-c", "write 0 512", image.toString()), image);
        assertRefused(strata(home, home, "run", "image:check", image.toString()), image);
        Result info = strata(home, home, "run", "image:info", "-U", image.toString());
        assertEquals(0, info.status(), info.toString());

        qemu.destroyForcibly();
        assertTrue(qemu.waitFor(30, TimeUnit.SECONDS));
        long killed = System.nanoTime();
        daemon.exec("node:add", "--name", "vm", image.toString()); // the next writer gets it at once
        long taken = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        daemon.exec("export:add", "--writable", "vm");
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 9 0 64k", daemon.nbd("vm"));
        assertRefusedByQemu(QemuTools.run("qemu-io", "-c", "write 0 512", image), image);
        System.out.printf("locking, qemu-storage-daemon holding: the daemon's node:add, strata run image:io and"
                + " image:check refused in one line each, image:info -U let in; after SIGKILL of the holder, node:add"
                + " took the image within %d ms (strata exec included)%n", taken);
    }

    /** One line on stderr naming the image and the lock, no stack trace, a non-zero status. */
    private static void assertRefused(Result r, Path image) {
        assertNotEquals(0, r.status(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        String line = r.errLines().get(0);
        assertTrue(line.contains(image.toString()) && line.contains("lock") && line.contains(LOCKED), line);
    }

    private static void assertRefusedByQemu(QemuTools.Result r, Path image) {
        assertNotEquals(0, r.exitCode(), r.stdout());
        assertTrue(r.stderr().contains(LOCKED + " [" + image + "]?"), r.stderr());
    }

    /** qemu-storage-daemon trying to serve {@code image} writable: it must give up at once. */
    private static QemuTools.Result qemuStorageDaemon(Path home, Path image) {
        return QemuTools.run(qsdCommand(home, image));
    }

    /** qemu-storage-daemon serving {@code image} writable over NBD, once it has the image open. */
    private static Process startQemuStorageDaemon(Path home, Path image) throws Exception {
        Path socket = home.resolve("qsd.sock");
        Process p = new ProcessBuilder(qsdCommand(home, image)).redirectErrorStream(true)
                .redirectOutput(home.resolve("qsd.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket)) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "qemu-storage-daemon did not start: "
                    + Files.readString(home.resolve("qsd.out")));
            Thread.sleep(20);
        }
        return p;
    }

    private static List<String> qsdCommand(Path home, Path image) {
        return List.of("qemu-storage-daemon",
                "--blockdev", "driver=file,node-name=file0,filename=" + image,
                "--blockdev", "driver=qcow2,node-name=disk0,file=file0",
                "--nbd-server", "addr.type=unix,addr.path=" + home.resolve("qsd.sock"),
                "--export", "type=nbd,id=exp0,node-name=disk0,name=disk,writable=on");
    }
}
