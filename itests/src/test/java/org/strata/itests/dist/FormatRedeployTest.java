package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.itests.dist.StrataInstall.strata;
import static org.strata.testkit.QemuTools.qemuIo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;
import org.strata.testkit.QemuTools;

/**
 * Each format driver bundle is a drop-in of deploy/: a node of that format, exported writable by the daemon, is let
 * go when the jar leaves and served again, with its data and the writes made through the export, when it returns.
 */
class FormatRedeployTest {

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

    private void await(Predicate<String> done, String... command) throws Exception {
        long start = System.nanoTime();
        while (!done.test(ok(command).out())) {
            assertFalse(System.nanoTime() - start > 10_000_000_000L, String.join(" ", command) + " after 10 s: "
                    + ok(command).out());
            Thread.sleep(100);
        }
    }

    private String nbd(String export) {
        return "nbd+unix:///" + export + "?socket=" + home.resolve("run").resolve("nbd.sock");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vmdk", "vpc", "vdi", "vhdx"})
    void theDriverBundleLeavesAndReturnsWhileTheDaemonRuns(String format) throws Exception {
        home = StrataInstall.newHome();
        images = Files.createDirectories(home.resolve("images"));
        Path jar = home.resolve("deploy").resolve("strata-format-" + format + "-0.1.0.jar");
        assertTrue(Files.isRegularFile(jar), "the install tree deploys " + format);
        String disk = "d." + format;
        ok("run", "image:create", "-f", format, disk, "8M");
        ok("run", "image:io", "-c", "write -P 0x3c 1M 3M", disk);

        daemon = Daemon.start(home);
        String bundle = "org.strata.format." + format;
        assertTrue(ok("exec", "driver:list").out().contains(bundle));
        ok("exec", "node:add", "--name", "d", disk);
        ok("exec", "export:add", "--writable", "d");
        qemuIo("-f", "raw", "-c", "read -P 0x3c 1M 3M", "-c", "write -P 0x4d 6M 64k", nbd("d"));

        Path aside = home.resolve(format + ".jar.aside");
        Files.move(jar, aside, StandardCopyOption.ATOMIC_MOVE);
        await(s -> !s.contains(bundle), "exec", "driver:list");
        await(s -> s.contains("detached"), "exec", "node:list");
        Files.move(aside, jar, StandardCopyOption.ATOMIC_MOVE);
        await(s -> s.contains("attached") && !s.contains("detached"), "exec", "node:list");
        qemuIo("-f", "raw", "-c", "read -P 0x3c 1M 3M", "-c", "read -P 0x4d 6M 64k", nbd("d"));

        ok("exec", "export:remove", "d");
        ok("exec", "node:remove", "d");
        String image = images.resolve(disk).toString();
        // qemu-img has no check for vpc (exit 63); every other format checks clean
        assertEquals(format.equals("vpc") ? 63 : 0, QemuTools.run("qemu-img", "check", image).exitCode());
        qemuIo("-f", format, "-c", "read -P 0x3c 1M 3M", "-c", "read -P 0x4d 6M 64k", "-c", "read -P 0 0 1M", image);
    }
}
