package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * The warning qemu-img and qemu-io print when they open for writing an image whose format they probed and found raw
 * (Strata printed none): the same commands warn, with the same three lines first on stderr, and those that only
 * read, or name the format, do not.
 */
class ProbedRawWarningInteropTest {

    private static final String WARNING = "WARNING: Image format was not specified for 'w.img' and probing guessed"
            + " raw.\n         Automatically detecting the format is dangerous for raw images, write operations on"
            + " block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n";

    @TempDir
    Path dir;

    /**
     * Runs QEMU's {@code tool} (qemu-img with the subcommand {@code command} names) and Strata's {@code command}
     * with {@code args} on a fresh raw w.img each.
     */
    private void assertSameWarning(String tool, String command, String... args) {
        Qemu q = new Qemu(dir);
        q.img("create", "-q", "-f", "raw", "w.img", "1M");
        List<String> qemu = tool.equals("qemu-img") ? List.of(tool, command.substring("image:".length()))
                : List.of(tool);
        QemuTools.Result theirs = q.run(Qemu.concat(qemu, args));
        q.img("create", "-q", "-f", "raw", "w.img", "1M");
        Shell.Result ours = new Shell(dir).run(command, args);
        String what = command + " " + List.of(args) + "\n" + ours.out() + ours.err();
        assertEquals(theirs.exitCode(), ours.status(), what);
        assertEquals(theirs.stderr().startsWith(WARNING), ours.err().startsWith(WARNING), what);
        assertEquals(theirs.stderr().indexOf("WARNING"), ours.err().indexOf("WARNING"), what);
        if (tool.equals("qemu-io")) {
            assertEquals(theirs.stdout().replaceAll("; .*", ""), ours.out().replaceAll("; .*", ""), what);
        }
    }

    @Test
    void commandsThatWriteAProbedRawImageWarn() {
        assertSameWarning("qemu-img", "image:resize", "w.img", "2M");
        assertSameWarning("qemu-img", "image:amend", "-o", "size=2M", "w.img");
        assertSameWarning("qemu-img", "image:snapshot", "-c", "s", "w.img");
        assertSameWarning("qemu-img", "image:rebase", "-u", "-b", "x", "w.img");
        assertSameWarning("qemu-img", "image:commit", "w.img");
        assertSameWarning("qemu-img", "image:check", "-r", "all", "w.img");
        assertSameWarning("qemu-img", "image:bench", "-w", "-c", "1", "w.img");
        // qemu-io opens the image for writing unless -r, whatever its commands
        assertSameWarning("qemu-io", "image:io", "-c", "read 0 1", "w.img");
        assertSameWarning("qemu-io", "image:io", "-c", "write 0 1", "w.img");
    }

    @Test
    void commandsThatOnlyReadOrNameTheFormatDoNot() {
        assertSameWarning("qemu-img", "image:resize", "-f", "raw", "w.img", "2M");
        assertSameWarning("qemu-img", "image:info", "w.img");
        assertSameWarning("qemu-img", "image:snapshot", "-l", "w.img");
        assertSameWarning("qemu-img", "image:check", "w.img");
        assertSameWarning("qemu-img", "image:bench", "-c", "1", "w.img");
        assertSameWarning("qemu-io", "image:io", "-r", "-c", "read 0 1", "w.img");
        assertSameWarning("qemu-io", "image:io", "-f", "raw", "-c", "write 0 1", "w.img");
    }
}
