package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * Issue "qemu-img parity": {@code image:convert} from an internal snapshot ({@code -l}) and from several sources
 * joined end to end, as qemu-img 7.2 converts them. Each case runs {@code qemu-img convert ARGS q.EXT} and
 * {@code image:convert ARGS s.EXT} on the same sources and compares exit status, output and the two targets.
 */
class ConvertParityInteropTest {

    /** Where an argument names the target: {@code q.EXT} for qemu-img, {@code s.EXT} for Strata. */
    private static final String OUT = "OUT";

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /**
     * A chain base.qcow2 (4M) under top.qcow2 with two snapshots of top: id 1 named "2", id 2 named "later"; top
     * then changed, grown to 6M and written past the snapshots' end.
     */
    private void chainWithSnapshots() {
        q.img("create", "-q", "-f", "qcow2", "base.qcow2", "4M");
        q.io("-c", "write -P 1 0 4M", "base.qcow2");
        q.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        q.io("-c", "write -P 2 512k 512k", "-c", "write -z 2M 64k", "top.qcow2");
        q.img("snapshot", "-c", "2", "top.qcow2");
        q.io("-c", "write -P 3 0 64k", "-c", "write -P 4 3M 256k", "top.qcow2");
        q.img("snapshot", "-c", "later", "top.qcow2");
        q.io("-c", "write -P 5 0 1M", "-c", "discard 3M 64k", "top.qcow2");
        q.img("resize", "-q", "top.qcow2", "6M");
        q.io("-c", "write -P 6 5M 64k", "top.qcow2");
    }

    @Test
    void aSnapshotIsFoundByIdThenByNameOrByItsOptions() {
        chainWithSnapshots();
        // a bare -l is an id where one snapshot has it ("2" is the id of "later"), else a name
        for (String choice : List.of("2", "later", "1", "snapshot.id=1", "snapshot.name=2", "snapshot.name=later",
                "snapshot.id=1,snapshot.name=2", "snapshot.id=2,snapshot.id=1")) {
            for (String format : List.of("raw", "qcow2")) {
                sameTargets(format, "-O", format, "-l", choice, "top.qcow2", OUT);
            }
        }
        sameTargets("qcow2", "-c", "-O", "qcow2", "-l", "later", "top.qcow2", OUT);
        sameTargets("qcow2", "-S", "0", "-O", "qcow2", "-l", "1", "top.qcow2", OUT);
        // the snapshot's content differs from the current state's
        QemuTools.Result r = q.run("qemu-img", "compare", "top.qcow2", "s.qcow2");
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
    }

    @Test
    void aSnapshotThatIsNotThereOrCannotBeIsRefusedAsQemuImgRefusesIt() {
        chainWithSnapshots();
        q.img("create", "-q", "-f", "raw", "plain.raw", "1M");
        for (String choice : List.of("nosuch", "snapshot.id=2,snapshot.name=2", "snapshot.id=9", "snapshot.id=",
                "snapshot.name=", "")) {
            sameFailure("raw", "-O", "raw", "-l", choice, "top.qcow2", OUT);
        }
        // a flag without value is "on", with QEMU's warning
        sameFailure("raw", "-O", "raw", "-l", "snapshot.id", "top.qcow2", OUT);
        sameFailure("raw", "-O", "raw", "-l", "snapshot.name=later,nosnapshot.id", "top.qcow2", OUT);
        // unknown parameters
        sameFailure("raw", "-O", "raw", "-l", "snapshot.idd=1", "top.qcow2", OUT);
        sameFailure("raw", "-O", "raw", "-l", "snapshot.id=1,size=1", "top.qcow2", OUT);
        // a format without internal snapshots
        sameFailure("qcow2", "-O", "qcow2", "-l", "1", "plain.raw", OUT);
        sameFailure("qcow2", "-O", "qcow2", "-l", "snapshot.name=x", "plain.raw", OUT);
        // -s, the form older qemu-img took, 7.2 no longer does
        sameFailure("raw", "-O", "raw", "-s", "1", "top.qcow2", OUT);
    }

    @Test
    void aSnapshotOfSeveralSourcesIsTheFirstSourcesByOptionsAndRefusedBare() {
        chainWithSnapshots();
        sameFailure("raw", "-O", "raw", "-l", "1", "top.qcow2", "base.qcow2", OUT);
        sameFailure("raw", "-O", "raw", "-l", "later", "top.qcow2", "top.qcow2", OUT);
        sameTargets("raw", "-O", "raw", "-l", "snapshot.id=1", "top.qcow2", "top.qcow2", OUT);
        sameTargets("qcow2", "-O", "qcow2", "-l", "snapshot.name=later", "top.qcow2", "base.qcow2", OUT);
    }

    /** a.raw (100k, not a cluster multiple), b.qcow2 (3M: data, zeroes, holes), c.raw (1M, mostly a hole). */
    private void threeSources() {
        q.img("create", "-q", "-f", "raw", "a.raw", "100k");
        q.io("-f", "raw", "-c", "write -P 7 0 100k", "a.raw");
        q.img("create", "-q", "-f", "qcow2", "b.qcow2", "3M");
        q.io("-c", "write -P 8 0 128k", "-c", "write -z 1M 64k", "-c", "write -P 9 2M 4k", "-c", "write -P 0 2560k 64k",
                "b.qcow2");
        q.img("create", "-q", "-f", "raw", "c.raw", "1M");
        q.io("-f", "raw", "-c", "write -P 10 1020k 4k", "c.raw");
    }

    @Test
    void severalSourcesAreJoinedEndToEnd() throws Exception {
        threeSources();
        for (String format : List.of("raw", "qcow2")) {
            sameTargets(format, "-O", format, "a.raw", "b.qcow2", "c.raw", OUT);
        }
        sameTargets("qcow2", "-c", "-O", "qcow2", "a.raw", "b.qcow2", "c.raw", OUT);
        sameTargets("qcow2", "-S", "0", "-O", "qcow2", "c.raw", "a.raw", "b.qcow2", OUT);
        sameTargets("qcow2", "-S", "64k", "-O", "qcow2", "-o", "cluster_size=4k", "b.qcow2", "a.raw", OUT);
        sameTargets("raw", "-f", "raw", "-O", "raw", "a.raw", "c.raw", "a.raw", OUT);
        // the target's size is the sum of the sources'
        assertEquals(virtualSize("a.raw") * 2 + virtualSize("c.raw"), virtualSize("s.raw"));
        q.io("-f", "raw", "-c", "read -P 7 0 100k", "-c", "read -P 0 100k 1020k", "-c", "read -P 10 1120k 4k",
                "-c", "read -P 7 1124k 100k", "s.raw");
        // a size that is no sector multiple counts as the sectors it covers; an empty source adds nothing
        byte[] odd = new byte[1000];
        new java.util.Random(3).nextBytes(odd);
        Files.write(dir.resolve("odd.raw"), odd);
        Files.write(dir.resolve("empty.raw"), new byte[0]);
        sameTargets("raw", "-O", "raw", "odd.raw", "empty.raw", "odd.raw", "b.qcow2", OUT);
        sameTargets("qcow2", "-c", "-O", "qcow2", "odd.raw", "a.raw", "empty.raw", OUT);
    }

    @Test
    void severalSourcesGoIntoAnExistingTargetWithN() {
        threeSources();
        for (String prefix : List.of("q", "s")) {
            q.img("create", "-q", "-f", "qcow2", prefix + ".qcow2", "5M");
            q.io("-c", "write -P 11 0 5M", prefix + ".qcow2");
        }
        sameTargets("qcow2", "-n", "-O", "qcow2", "b.qcow2", "a.raw", OUT);
        sameFailure("qcow2", "-n", "-O", "qcow2", "b.qcow2", "b.qcow2", OUT);
    }

    @Test
    void severalSourcesAreRefusedAsQemuImgRefusesThem() {
        threeSources();
        // a backing file for the target, by -B or -o backing_file
        sameFailure("qcow2", "-O", "qcow2", "-B", "b.qcow2", "-F", "qcow2", "a.raw", "c.raw", OUT);
        sameFailure("qcow2", "-O", "qcow2", "-o", "backing_file=b.qcow2,backing_fmt=qcow2", "a.raw", "c.raw", OUT);
        // -f applies to every source
        sameFailure("qcow2", "-f", "qcow2", "-O", "qcow2", "b.qcow2", "a.raw", OUT);
        // one name is not enough
        sameFailure("qcow2", "-O", "qcow2", OUT);
    }

    @Test
    void progressOverSeveralSourcesHasQemuImgsForm() {
        threeSources();
        String theirs = q.img("convert", "-p", "-O", "qcow2", "a.raw", "b.qcow2", "c.raw", "q.qcow2");
        String ours = shell.run("image:convert", "-p", "-O", "qcow2", "a.raw", "b.qcow2", "c.raw", "s.qcow2").ok().out();
        ProgressInteropTest.assertSameForm(theirs, ours);
        assertSameTargets("qcow2");
    }

    /** Both convert the same; the two targets hold the same guest data and size, and Strata's checks clean. */
    private void sameTargets(String ext, String... args) {
        Results r = runBoth(ext, args);
        assertEquals(0, r.theirs.exitCode(), r.what + ": " + r.theirs.stderr());
        assertEquals(r.theirs.stdout(), r.ours.out(), r.what);
        assertEquals(r.theirs.stderr(), r.ours.err(), r.what);
        assertEquals(0, r.ours.status(), r.what);
        assertSameTargets(ext);
    }

    private void assertSameTargets(String ext) {
        if (ext.equals("qcow2")) {
            q.assertClean("s.qcow2");
        }
        assertEquals(virtualSize("q." + ext), virtualSize("s." + ext));
        q.assertSameContent("q." + ext, "s." + ext);
    }

    /**
     * Both fail alike: the same status, output, and error (where qemu-img's error spans lines Strata's is one line
     * starting with its first, see {@link Qemu#assertSameError}); and neither created a target.
     */
    private void sameFailure(String ext, String... args) {
        boolean existed = Files.exists(dir.resolve("s." + ext));
        Results r = runBoth(ext, args);
        assertTrue(r.theirs.exitCode() != 0, r.what + ": qemu-img succeeded");
        assertEquals(r.theirs.exitCode(), r.ours.status(), r.what + ": " + r.ours.err());
        assertEquals(r.theirs.stdout(), r.ours.out(), r.what);
        String theirErr = r.theirs.stderr().replace("q." + ext, "s." + ext);
        if (theirErr.contains("warning:")) {
            assertEquals(Qemu.asStrata(theirErr, "image:convert"), r.ours.err(), r.what);
        } else {
            Qemu.assertSameError(theirErr, r.ours.err(), "image:convert");
        }
        if (!existed) {
            assertFalse(Files.exists(dir.resolve("q." + ext)), r.what);
            assertFalse(Files.exists(dir.resolve("s." + ext)), r.what);
        }
    }

    private record Results(String what, QemuTools.Result theirs, Shell.Result ours) {
    }

    private Results runBoth(String ext, String... args) {
        QemuTools.Result theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend("convert", target(args, "q." + ext))));
        Shell.Result ours = shell.run("image:convert", target(args, "s." + ext));
        return new Results("convert " + List.of(args), theirs, ours);
    }

    private static String[] target(String[] args, String name) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.equals(OUT) ? name : a);
        }
        return out.toArray(String[]::new);
    }

    private long virtualSize(String image) {
        Matcher m = Pattern.compile("\"virtual-size\": ([0-9]+)").matcher(q.img("info", "--output=json", image));
        assertTrue(m.find(), image);
        return Long.parseLong(m.group(1));
    }
}
