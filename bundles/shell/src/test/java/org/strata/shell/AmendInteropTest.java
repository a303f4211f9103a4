package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5: image:amend on qcow2 does what qemu-img amend does on a copy of the same image: compat up- and
 * downgrade, lazy_refcounts, refcount_bits, the data file's name, size; and refuses what qemu-img refuses with the
 * same message. Every result passes qemu-img check and keeps the guest content.
 */
class AmendInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    private void image(String name, String options) {
        q.img("create", "-q", "-f", "qcow2", "-o", options, name, "4M");
        q.io("-c", "write -P 1 0 1M", "-c", "write -z 2M 64k", "-c", "write -P 2 3M 4k", name);
    }

    @Test
    void amendmentsGiveQemuImgsImage() throws Exception {
        List<List<String>> cases = List.of(
                List.of("compat=1.1", "compat=0.10"), List.of("compat=0.10", "compat=1.1"),
                List.of("compat=1.1,lazy_refcounts=on", "compat=0.10"), List.of("compat=1.1", "lazy_refcounts=on"),
                List.of("lazy_refcounts=on", "lazy_refcounts=off"), List.of("compat=1.1", "refcount_bits=1"),
                List.of("cluster_size=4k", "refcount_bits=64"), List.of("refcount_bits=64", "refcount_bits=8"),
                List.of("compat=0.10", "compat=1.1,refcount_bits=32,lazy_refcounts=on"),
                List.of("compat=1.1", "size=8M"), List.of("data_file=IMG.data", "data_file=IMG.data"),
                List.of("data_file=IMG.data", "data_file=IMG-renamed.data"));
        for (List<String> c : cases) {
            // each image its own data file: IMG is the image's name
            image("theirs.qcow2", c.get(0).replace("IMG", "theirs"));
            image("ours.qcow2", c.get(0).replace("IMG", "ours"));
            q.img("convert", "-O", "raw", "ours.qcow2", "before.raw");
            q.img("amend", "-o", c.get(1).replace("IMG", "theirs"), "theirs.qcow2");
            Shell.Result r = shell.run("image:amend", "-o", c.get(1).replace("IMG", "ours"), "ours.qcow2").ok();
            assertEquals("", r.out() + r.err(), c.toString());
            for (String name : List.of("theirs", "ours")) {
                // a renamed data file is the user's to move
                if (c.get(1).contains("renamed") && Files.exists(dir.resolve(name + ".data"))) {
                    Files.move(dir.resolve(name + ".data"), dir.resolve(name + "-renamed.data"));
                }
            }
            q.assertClean("ours.qcow2");
            q.assertSameContent("ours.qcow2", "theirs.qcow2");
            assertEquals(Qemu.withoutActualSize(q.img("info", "--output=json", "theirs.qcow2")).replace("theirs",
                    "ours"), Qemu.withoutActualSize(q.img("info", "--output=json", "ours.qcow2")), c.toString());
        }
    }

    @Test
    void refusalsAreQemuImgs() {
        image("a.qcow2", "compat=1.1");
        for (String options : List.of("data_file=x.data", "data_file_raw=on", "cluster_size=4k", "extended_l2=on",
                "compression_type=zstd", "backing_file=foo", "bogus=1")) {
            var theirs = q.run("qemu-img", "amend", "-o", options, "a.qcow2");
            Shell.Result ours = shell.run("image:amend", "-o", options, "a.qcow2");
            assertEquals(theirs.exitCode(), ours.status(), options);
            Qemu.assertSameError(theirs.stderr(), ours.err(), "image:amend");
        }
        var theirs = q.run("qemu-img", "amend", "a.qcow2");
        assertEquals(Qemu.asStrata(theirs.stderr(), "image:amend"), shell.run("image:amend", "a.qcow2").err());
        q.img("create", "-q", "-f", "raw", "r.raw", "1M");
        theirs = q.run("qemu-img", "amend", "-f", "raw", "-o", "size=2M", "r.raw");
        Shell.Result raw = shell.run("image:amend", "-f", "raw", "-o", "size=2M", "r.raw");
        assertEquals(theirs.exitCode(), raw.status());
        assertEquals(Qemu.asStrata(theirs.stderr(), "image:amend"), raw.err());
        q.assertClean("a.qcow2");
    }
}
