package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.testkit.QemuTools;

/**
 * The QEMU tools run in one directory with relative names, as the Strata shell in that directory gets them, so
 * their output can be compared with Strata's byte for byte.
 */
final class Qemu {

    private final Path dir;

    Qemu(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Runs a tool in the directory; fails unless it exits 0; returns its stdout. */
    String ok(String... command) {
        return run(command).ok();
    }

    QemuTools.Result run(String... command) {
        return QemuTools.runIn(dir, List.of(command));
    }

    /** {@code qemu-img ARGS}, which must succeed. */
    String img(String... args) {
        return ok(prepend("qemu-img", args));
    }

    /** {@code qemu-io ARGS}, which must succeed and report no failed request or pattern. */
    String io(String... args) {
        String out = ok(prepend("qemu-io", args));
        if (out.contains("Pattern verification failed") || out.contains("failed:")) {
            fail("qemu-io reported a failure:\n" + out);
        }
        return out;
    }

    /** Fails unless {@code qemu-img check} finds neither corruptions nor leaks. */
    void assertClean(String image) {
        QemuTools.Result r = run("qemu-img", "check", image);
        if (r.exitCode() != 0) {
            fail("qemu-img check " + dir.resolve(image) + " exited " + r.exitCode() + ":\n" + r.stdout()
                    + r.stderr());
        }
    }

    /** Fails unless {@code qemu-img compare} finds the guest content of the two images equal. */
    void assertSameContent(String a, String b) {
        QemuTools.Result r = run("qemu-img", "compare", a, b);
        if (r.exitCode() != 0) {
            fail("qemu-img compare " + a + " " + b + " in " + dir + ": " + r.stdout() + r.stderr());
        }
    }

    /** qemu-img info --backing-chain --output=json without the actual-size fields (which depend on the writer). */
    String chainStructure(String image) {
        return withoutActualSize(img("info", "--backing-chain", "--output=json", image));
    }

    static String withoutActualSize(String text) {
        return text.replaceAll("(?m)^ *\"actual-size\": [0-9]+,\n", "").replaceAll("(?m)^disk size: .*\n", "");
    }

    static String[] prepend(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(List.of(args));
        return cmd.toArray(String[]::new);
    }

    static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    /**
     * Copies a directory's content, keeping holes (so raw images map the same in the copy); images with relative
     * backing names stay a valid chain there.
     */
    static void copyTree(Path from, Path to) {
        try {
            Files.createDirectories(to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        QemuTools.run("cp", "-r", "--sparse=always", "-T", from.toString(), to.toString()).ok();
    }

    /**
     * Fails unless Strata's error is qemu-img's: the same line, or, where qemu-img adds a hint on further lines,
     * one line that starts with qemu-img's first (Strata's errors are one line).
     */
    static void assertSameError(String qemuStderr, String strataStderr, String command) {
        String expected = asStrata(qemuStderr, command);
        if (expected.lines().count() <= 1 || expected.lines().skip(1).allMatch(l -> l.startsWith("Try '"))) {
            assertEquals(expected, strataStderr);
            return;
        }
        assertEquals(1, strataStderr.lines().count(), strataStderr);
        String first = expected.lines().findFirst().orElseThrow();
        if (!strataStderr.startsWith(first)) {
            fail("expected an error starting with <" + first + "> but was <" + strataStderr + ">");
        }
    }

    /** A qemu-img error text as a Strata command prints it: its name instead of qemu-img's. */
    static String asStrata(String qemuStderr, String command) {
        return qemuStderr.replace("qemu-img: ", command + ": ").replace("Try 'qemu-img --help'",
                "Try '" + command + " --help'");
    }

    static void assertSameText(String expected, String actual, String what) {
        assertEquals(expected, actual, what);
    }
}
