package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * Issue "qemu-img parity": workflows where Strata refused or reported differently from qemu-img 7.2. Each runs
 * the same steps with qemu-img on one image ({@code q.*}) and with Strata on a twin ({@code s.*}), and compares
 * exit status, output and the resulting images.
 */
class QemuImgParityInteropTest {

    /** Where an argument names the image: {@code q.EXT} for qemu-img, {@code s.EXT} for Strata. */
    private static final String IMG = "IMG";

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;
    private String ext;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /** Makes the twins q.EXT and s.EXT with {@code qemu-img create ARGS} ({@link #IMG} names the image). */
    private void twins(String extension, String... createArgs) {
        ext = extension;
        q.img(Qemu.prepend("create", withImage(createArgs, "q")));
        q.img(Qemu.prepend("create", withImage(createArgs, "s")));
    }

    private String[] withImage(String[] args, String prefix) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.replace(IMG, prefix + "." + ext));
        }
        return out.toArray(String[]::new);
    }

    /** Writes the same data into both twins with qemu-io. */
    private void ioBoth(String... commands) {
        for (String prefix : List.of("q", "s")) {
            List<String> args = new ArrayList<>();
            for (String c : commands) {
                args.add("-c");
                args.add(c);
            }
            args.add(prefix + "." + ext);
            q.io(args.toArray(String[]::new));
        }
    }

    /**
     * Runs {@code qemu-img SUB ARGS} on q.EXT and {@code image:SUB ARGS} on s.EXT; asserts the same status, stdout
     * and stderr (the image names and the command's name aside); returns Strata's result.
     */
    private Shell.Result same(String sub, String... args) {
        QemuTools.Result theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend(sub, withImage(args, "q"))));
        Shell.Result ours = shell.run("image:" + sub, withImage(args, "s"));
        String what = sub + " " + List.of(args);
        String qName = "q." + ext;
        String sName = "s." + ext;
        assertEquals(theirs.stdout().replace(qName, sName), ours.out(), what);
        assertEquals(Qemu.asStrata(theirs.stderr(), "image:" + sub).replace(qName, sName), ours.err(), what);
        assertEquals(theirs.exitCode(), ours.status(), what);
        return ours;
    }

    /** Both twins pass qemu-img check and hold the same guest data and size. */
    private void assertTwinsAgree() {
        q.assertClean("q." + ext);
        q.assertClean("s." + ext);
        QemuTools.Result r = q.run("qemu-img", "compare", "-s", "q." + ext, "s." + ext);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    /** qemu-img and Strata list the same snapshots of the twins (the dates aside). */
    private void assertSameSnapshotTables() {
        String date = "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}";
        assertEquals(q.img("snapshot", "-l", "q." + ext).replaceAll(date, "DATE"),
                shell.run("image:snapshot", "-l", "s." + ext).ok().out().replaceAll(date, "DATE"));
    }

    @Test
    void aQcow2WithSnapshotsGrowsAndShrinksAndItsSnapshotsStayValid() {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "4M");
        ioBoth("write -P 1 0 1M", "write -P 2 3M 1M");
        same("snapshot", "-c", "four", IMG);
        ioBoth("write -P 3 512k 1M");
        same("resize", IMG, "8M");
        ioBoth("write -P 4 6M 1M");
        same("snapshot", "-c", "eight", IMG);
        assertTwinsAgree();
        same("resize", "--shrink", IMG, "1M");
        assertTwinsAgree();
        same("resize", IMG, "+2M");
        assertTwinsAgree();
        // applying a snapshot gives the image that snapshot's size again
        same("snapshot", "-a", "eight", IMG);
        assertTwinsAgree();
        q.io("-c", "read -P 1 0 512k", "-c", "read -P 3 512k 1M", "-c", "read -P 2 3M 1M", "-c", "read -P 4 6M 1M",
                "s.qcow2");
        same("snapshot", "-a", "four", IMG);
        assertTwinsAgree();
        q.io("-c", "read -P 1 0 1M", "-c", "read -P 0 1M 2M", "-c", "read -P 2 3M 1M", "s.qcow2");
        assertSameSnapshotTables();
        same("snapshot", "-d", "eight", IMG);
        assertTwinsAgree();

        // a v2 image records no snapshot sizes: qemu-img refuses, and so does Strata
        twins("qcow2", "-q", "-f", "qcow2", "-o", "compat=0.10", IMG, "1M");
        same("snapshot", "-c", "one", IMG);
        same("resize", IMG, "2M");
    }

    @Test
    void aSecondSnapshotOfTheSameNameGetsItsOwnId() {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "1M");
        ioBoth("write -P 1 0 64k");
        same("snapshot", "-c", "x", IMG);
        ioBoth("write -P 2 0 64k");
        same("snapshot", "-c", "x", IMG);
        assertSameSnapshotTables();
        // a name finds the first of that name
        same("snapshot", "-a", "x", IMG);
        q.io("-c", "read -P 1 0 64k", "s.qcow2");
        same("snapshot", "-d", "x", IMG);
        same("snapshot", "-a", "x", IMG);
        q.io("-c", "read -P 2 0 64k", "s.qcow2");
        assertTwinsAgree();
    }

    @Test
    void compareTakesProgressAndWantsTwoNames() {
        twins("raw", "-q", "-f", "raw", IMG, "3M");
        ioBoth("write -P 1 1M 64k");
        q.img("create", "-q", "-f", "qcow2", "other.qcow2", "3M");
        q.io("-c", "write -P 1 1M 64k", "other.qcow2");
        shell.tty(true); // qemu-img redraws its progress in place whether or not stdout is a terminal
        same("compare", "-p", IMG, "other.qcow2");
        same("compare", "-p", "-q", IMG, "other.qcow2");
        q.io("-c", "write -P 2 2M 512", "other.qcow2");
        same("compare", "-p", IMG, "other.qcow2");
        same("compare", IMG);
    }
}
