package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * The vhdx driver is a drop-in bundle of deploy/: the daemon serves VHDX images with it, lets their nodes go when
 * the jar leaves, and takes them up again when it returns, with the data intact.
 */
class VhdxDeployTest {

    Path home;
    Path images;
    Daemon daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private Result ok(String... args) throws Exception {
        Result r = strata(home, images, args);
        assertEquals(0, r.status(), () -> String.join(" ", args) + "\n" + r);
        return r;
    }

    private void await(String[] command, Predicate<String> done) throws Exception {
        long start = System.nanoTime();
        while (!done.test(ok(command).out())) {
            assertFalse(System.nanoTime() - start > 10_000_000_000L, String.join(" ", command) + " after 10 s: "
                    + ok(command).out());
            Thread.sleep(100);
        }
    }

    @Test
    void theVhdxBundleLeavesAndReturnsWhileTheDaemonRuns() throws Exception {
        home = StrataInstall.newHome();
        images = Files.createDirectories(home.resolve("images"));
        daemon = Daemon.start(home);
        ok("exec", "image:create", "-f", "vhdx", "disk.vhdx", "16M");
        ok("exec", "image:io", "-c", "write -P 0x5a 1M 64k", "disk.vhdx");
        ok("exec", "node:add", "--name", "v", "disk.vhdx");
        assertTrue(ok("exec", "driver:list").out().contains("org.strata.format.vhdx"));

        Path jar;
        try (var jars = Files.list(home.resolve("deploy"))) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("strata-format-vhdx")).findFirst()
                    .orElseThrow();
        }
        Path aside = home.resolve("vhdx.jar.aside");
        Files.move(jar, aside, StandardCopyOption.ATOMIC_MOVE);
        await(new String[] {"exec", "driver:list"}, s -> !s.contains("org.strata.format.vhdx"));
        await(new String[] {"exec", "node:list"}, s -> s.contains("detached"));
        Files.move(aside, jar, StandardCopyOption.ATOMIC_MOVE);
        await(new String[] {"exec", "node:list"}, s -> s.contains("attached") && !s.contains("detached"));

        ok("exec", "node:remove", "v");
        ok("exec", "image:io", "-c", "read -P 0x5a 1M 64k", "disk.vhdx");
        assertEquals(0, QemuTools.run("qemu-img", "check", images.resolve("disk.vhdx").toString()).exitCode());
        QemuTools.qemuIo("-c", "read -P 0x5a 1M 64k", images.resolve("disk.vhdx").toString());
    }
}
