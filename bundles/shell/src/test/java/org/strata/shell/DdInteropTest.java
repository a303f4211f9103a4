package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * image:dd against qemu-img dd 7.2 (Strata had no dd): the same operands give the same status, messages and an
 * output image of the same format, size and content, which qemu-img check finds clean.
 */
class DdInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        q.img("create", "-q", "-f", "qcow2", "d.qcow2", "1M");
        q.io("-c", "write -P 3 0 300k", "-c", "write -P 7 700k 5k", "-c", "write -P 9 1020k 4k", "d.qcow2");
    }

    /**
     * Runs qemu-img dd and image:dd with {@code args}, in which OUT stands for the output's name (theirs.EXT and
     * ours.EXT), and compares what they print and make.
     */
    private void assertSameDd(String extension, String... args) {
        String theirs = "theirs." + extension;
        String ours = "ours." + extension;
        QemuTools.Result expected = q.run(Qemu.concat(List.of("qemu-img", "dd"), with(args, theirs)));
        Shell.Result actual = shell.run("image:dd", with(args, ours));
        String what = List.of(args) + "\n" + actual.out() + actual.err();
        assertEquals(expected.exitCode(), actual.status(), what);
        assertEquals(expected.stdout(), actual.out(), what);
        Qemu.assertSameError(expected.stderr().replace(theirs, ours), actual.err(), "image:dd");
        if (expected.exitCode() != 0) {
            return;
        }
        String format = List.of(args).contains("-O") ? List.of(args).get(List.of(args).indexOf("-O") + 1) : "raw";
        assertEquals(formatAndSize(theirs), formatAndSize(ours), what);
        q.img("compare", "-f", format, "-F", format, theirs, ours);
        if (format.equals("qcow2")) {
            q.assertClean(ours);
        }
        q.ok("rm", "-f", theirs, ours);
    }

    /** qemu-img info's format and virtual size lines. */
    private List<String> formatAndSize(String image) {
        return q.img("info", image).lines().filter(l -> l.startsWith("file format:") || l.startsWith("virtual size:"))
                .toList();
    }

    private static String[] with(String[] args, String output) {
        return List.of(args).stream().map(a -> a.replace("OUT", output)).toArray(String[]::new);
    }

    @Test
    void copiesWhatQemuImgDdCopies() {
        assertSameDd("raw", "if=d.qcow2", "of=OUT");
        assertSameDd("qcow2", "-O", "qcow2", "bs=64k", "count=3", "skip=2", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "bs=1k", "skip=100", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "count=1k", "if=d.qcow2", "of=OUT");
        assertSameDd("qcow2", "-O", "qcow2", "bs=1.5k", "count=700", "skip=3", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "bs=3", "count=1000", "skip=5", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "count=0", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "bs=64k", "count=100", "skip=0", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "bs=1M", "bs=4k", "skip=1", "of=x", "if=d.qcow2", "of=OUT");
        assertSameDd("raw", "-f", "raw", "if=d.qcow2", "of=OUT");
        assertSameDd("vmdk", "-U", "-O", "vmdk", "skip=1", "if=d.qcow2", "of=OUT");
        // a skip past the end makes an empty image, with a warning
        assertSameDd("raw", "bs=1k", "skip=2000", "if=d.qcow2", "of=OUT");
        assertSameDd("qcow2", "-O", "qcow2", "skip=9223372036854775807", "if=d.qcow2", "of=OUT");
    }

    @Test
    void refusesWhatQemuImgDdRefuses() {
        List<List<String>> refused = List.of(List.of("if=d.qcow2"), List.of("of=OUT"), List.of(),
                List.of("foo=1", "if=d.qcow2", "of=OUT"), List.of("if=d.qcow2", "of=OUT", "extra"),
                List.of("bs=0", "if=d.qcow2", "of=OUT"), List.of("bs=abc", "if=d.qcow2", "of=OUT"),
                List.of("bs=2G", "if=d.qcow2", "of=OUT"), List.of("count=-1", "if=d.qcow2", "of=OUT"),
                List.of("skip=1x", "if=d.qcow2", "of=OUT"), List.of("count=99999999999999999999", "if=d.qcow2",
                        "of=OUT"), List.of("-O", "foo", "if=d.qcow2", "of=OUT"),
                List.of("if=d.qcow2", "of=no/such/dir"), List.of("-p", "if=d.qcow2", "of=OUT"));
        for (List<String> args : refused) {
            assertSameDd("raw", args.toArray(String[]::new));
        }
        // qemu-img names the file twice here; Strata's open errors say it once
        Shell.Result missing = shell.run("image:dd", "if=none.qcow2", "of=x.raw");
        assertEquals(1, missing.status());
        assertEquals("image:dd: Could not open 'none.qcow2': No such file or directory\n", missing.err());
    }
}
