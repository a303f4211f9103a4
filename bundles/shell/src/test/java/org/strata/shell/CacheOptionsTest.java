package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.LoggedNbdkit;
import org.strata.testkit.QemuTools;

/**
 * {@code -t} and {@code -T} take QEMU's cache modes wherever qemu-img takes them, and a bad name fails with
 * qemu-img's message and status before anything is opened or created.
 */
class CacheOptionsTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        q.img("create", "-q", "-f", "raw", "a.raw", "1M");
        q.img("create", "-q", "-f", "qcow2", "-b", "a.raw", "-F", "raw", "t.qcow2");
    }

    @Test
    void aBadCacheModeFailsAsInQemuImg() throws Exception {
        for (List<String> args : List.of(
                List.of("convert", "-t", "bogus", "-O", "raw", "a.raw", "b.raw"),
                List.of("convert", "-T", "bogus", "-O", "raw", "a.raw", "b.raw"),
                List.of("commit", "-t", "bogus", "t.qcow2"),
                List.of("rebase", "-t", "bogus", "-b", "a.raw", "-F", "raw", "t.qcow2"),
                List.of("rebase", "-T", "bogus", "-b", "a.raw", "-F", "raw", "t.qcow2"),
                List.of("check", "-T", "bogus", "t.qcow2"),
                List.of("compare", "-T", "bogus", "a.raw", "t.qcow2"),
                List.of("amend", "-t", "bogus", "-o", "compat=1.1", "t.qcow2"),
                List.of("bench", "-t", "bogus", "-c", "1", "a.raw"))) {
            String command = "image:" + args.get(0);
            Shell.Result r = shell.run(command, args.subList(1, args.size()).toArray(String[]::new));
            // qemu-img convert creates its target before it looks at -t; Strata loses nothing, creates nothing
            assertFalse(Files.exists(dir.resolve("b.raw")), args.toString());
            QemuTools.Result theirs = q.run(Qemu.prepend("qemu-img", args.toArray(String[]::new)));
            assertEquals(theirs.exitCode(), r.status(), args + ": " + r.err());
            Qemu.assertSameError(theirs.stderr(), r.err(), command);
            assertEquals("", r.out(), args.toString());
            Files.deleteIfExists(dir.resolve("b.raw"));
        }
    }

    @Test
    void qemuIoSaysTheSame() {
        QemuTools.Result theirs = q.run("qemu-io", "-t", "bogus", "-c", "read 0 1", "a.raw");
        Shell.Result r = shell.run("image:io", "-t", "bogus", "-c", "read 0 1", "a.raw");
        assertEquals(theirs.exitCode(), r.status());
        assertEquals(theirs.stderr().replace("qemu-io: ", "image:io: "), r.err());
    }

    @Test
    void everyModeIsAccepted() throws Exception {
        int pattern = 1;
        for (String mode : List.of("writeback", "writethrough", "none", "directsync", "unsafe")) {
            String overlay = mode + ".qcow2";
            q.img("create", "-q", "-f", "qcow2", "-b", "a.raw", "-F", "raw", overlay);
            String write = "write -P " + pattern + " 0 64k";
            shell.run("image:io", "-t", mode, "-c", write, overlay).ok();
            shell.run("image:check", "-T", mode, overlay).ok();
            shell.run("image:convert", "-t", mode, "-T", mode, "-O", "qcow2", overlay, "copy-" + overlay).ok();
            q.assertClean("copy-" + overlay);
            q.assertSameContent("copy-" + overlay, overlay);
            shell.run("image:commit", "-t", mode, overlay).ok();
            q.io("-f", "raw", "-c", "read -P " + pattern + " 0 64k", "a.raw");
            pattern++;
        }
    }

    /** The requests a command sent to a fresh logging NBD server. */
    private List<String> requestsOf(String name, String command, String... args) throws Exception {
        try (LoggedNbdkit nbdkit = LoggedNbdkit.start(dir, name, "memory", "size=1M")) {
            List<String> all = new ArrayList<>(List.of(args));
            all.add(nbdkit.url());
            shell.run(command, all.toArray(String[]::new)).ok();
            return nbdkit.requests();
        }
    }

    @Test
    void theModeReachesTheStorage() throws Exception {
        q.io("-f", "raw", "-c", "write -P 9 0 256k", "a.raw");
        // convert writes its target with cache=unsafe, as qemu-img does: no flush at all
        List<String> converted = requestsOf("unsafe", "image:convert", "-n", "-O", "raw", "a.raw");
        assertTrue(converted.contains("Write fua=0") && !converted.contains("Flush"), converted.toString());
        assertTrue(converted.stream().noneMatch(r -> r.endsWith("fua=1")), converted.toString());
        // with -t writethrough each write is durable when it completes
        converted = requestsOf("writethrough", "image:convert", "-n", "-t", "writethrough", "-O", "raw", "a.raw");
        assertTrue(converted.contains("Write fua=1"), converted.toString());
        assertTrue(converted.stream().noneMatch(r -> r.endsWith("fua=0")), converted.toString());
        assertEquals(List.of("Write fua=1", "Flush"),
                requestsOf("directsync", "image:io", "-f", "raw", "-t", "directsync", "-c", "write 0 4k"));
        assertEquals(List.of("Write fua=0", "Flush"),
                requestsOf("writeback", "image:io", "-f", "raw", "-c", "write 0 4k"));
    }
}
