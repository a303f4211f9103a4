package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * {@code -o help} and {@code -o ?} of create and amend, against qemu-img 7.2: the same status, heading and notes,
 * and each option Strata lists is listed by qemu-img in the same words and order (qemu-img lists a few Strata does
 * not take, encryption's). {@code create -o ?} used to fail; {@code amend -o help} listed the creation options and
 * needed an image even with {@code -f}.
 */
class OptionsHelpInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        q.img("create", "-q", "-f", "qcow2", "a.qcow2", "1M");
    }

    private void assertSameHelp(String command, String... args) {
        QemuTools.Result theirs = q.run(Qemu.concat(List.of("qemu-img", command), args));
        Shell.Result ours = shell.run("image:" + command, args);
        String what = command + " " + List.of(args) + "\n" + ours.out() + ours.err();
        assertEquals(theirs.exitCode(), ours.status(), what);
        assertEquals(Qemu.asStrata(theirs.stderr(), "image:" + command), ours.err(), what);
        List<String> expected = theirs.stdout().lines().toList();
        List<String> actual = ours.out().lines().toList();
        if (expected.isEmpty()) {
            assertEquals(List.of(), actual, what);
            return;
        }
        // the heading, and the notes after the options
        assertEquals(expected.get(0), actual.get(0), what);
        assertEquals(notes(expected), notes(actual), what);
        List<String> options = actual.stream().filter(l -> l.startsWith("  ")).toList();
        assertTrue(options.size() >= 2, what);
        List<String> theirOptions = new ArrayList<>(expected.stream().filter(options::contains).toList());
        assertEquals(theirOptions, options, what);
    }

    private static List<String> notes(List<String> lines) {
        return lines.stream().skip(1).filter(l -> !l.startsWith("  ")).toList();
    }

    @Test
    void createListsTheFormatsOptions() {
        for (String help : List.of("help", "?", "help,size=1M", "cluster_size=4k,?")) {
            assertSameHelp("create", "-f", "qcow2", "-o", help);
            assertSameHelp("create", "-f", "qcow2", "-o", help, "new.qcow2");
        }
        assertSameHelp("create", "-f", "raw", "-o", "?", "new.raw");
        assertSameHelp("create", "-f", "vmdk", "-o", "help");
        assertSameHelp("create", "-f", "foo", "-o", "help");
    }

    @Test
    void amendListsWhatAmendCanChange() {
        for (String help : List.of("help", "?")) {
            assertSameHelp("amend", "-f", "qcow2", "-o", help);
            assertSameHelp("amend", "-o", help, "a.qcow2");
            assertSameHelp("amend", "-f", "qcow2", "-o", help, "a.qcow2");
        }
        assertSameHelp("amend", "-f", "raw", "-o", "help");
        assertSameHelp("amend", "-f", "vmdk", "-o", "help");
    }
}
