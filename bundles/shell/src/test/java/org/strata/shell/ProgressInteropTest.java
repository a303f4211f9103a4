package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -p} when stdout is not a terminal (a script's pipe): qemu-img writes its {@code (N.NN/100%)} updates
 * separated by carriage returns, a new figure only after more than one percent, and one newline at the end; Strata
 * used to write one line per percent (33 to 66 lines).
 */
class ProgressInteropTest {

    private static final String UPDATE = "    \\((\\d+\\.\\d\\d)/100%\\)\r";

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        q.img("create", "-q", "-f", "qcow2", "small.qcow2", "4M");
        q.io("-c", "write -P 1 0 1M", "small.qcow2");
        q.img("create", "-q", "-f", "qcow2", "large.qcow2", "64M");
        List<String> writes = new ArrayList<>();
        for (int i = 0; i < 64; i += 2) {
            writes.addAll(List.of("-c", "write -P " + (i + 1) + " " + i + "M 64k"));
        }
        q.io(Qemu.concat(writes, "large.qcow2"));
    }

    @Test
    void amendPrintsWhatQemuImgPrints() {
        q.img("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "theirs.qcow2", "4M");
        q.img("create", "-q", "-f", "qcow2", "-o", "compat=1.1", "ours.qcow2", "4M");
        assertEquals(q.img("amend", "-p", "-o", "compat=0.10", "theirs.qcow2"),
                shell.run("image:amend", "-p", "-o", "compat=0.10", "ours.qcow2").ok().out());
    }

    /** Where the figures fall depends on how the copy is cut into requests; the form is qemu-img's. */
    @Test
    void convertUpdatesAreCarriageReturnSeparatedAndMoreThanAPercentApart() {
        for (String image : List.of("small.qcow2", "large.qcow2")) {
            assertSameForm(q.img("convert", "-p", "-O", "raw", image, "theirs.raw"),
                    shell.run("image:convert", "-p", "-O", "raw", image, "ours.raw").ok().out());
        }
        assertEquals("", shell.run("image:convert", "-p", "-q", "-O", "raw", "large.qcow2", "q.raw").ok().out());
    }

    static void assertSameForm(String theirs, String ours) {
        for (String out : List.of(theirs, ours)) {
            assertTrue(out.matches("(" + UPDATE + ")+\n"), out);
            assertTrue(out.startsWith("    (0.00/100%)\r") && out.endsWith("    (100.00/100%)\r\n"), out);
            List<Double> figures = new ArrayList<>();
            var m = java.util.regex.Pattern.compile(UPDATE).matcher(out);
            while (m.find()) {
                figures.add(Double.parseDouble(m.group(1)));
            }
            for (int i = 1; i < figures.size(); i++) {
                double step = figures.get(i) - figures.get(i - 1);
                assertTrue(step > 1.0 || figures.get(i) == 100.0, figures.toString());
            }
        }
    }
}
