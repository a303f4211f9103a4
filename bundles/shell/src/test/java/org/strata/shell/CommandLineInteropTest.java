package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.Sizes;
import org.strata.testkit.QemuTools;

/** Command lines as qemu-img reads them: options and their errors, sizes, and each command's usage. */
class CommandLineInteropTest {

    /** Sizes qemu-img takes, refuses, or finds too large; above 2^63 it takes some that Strata cannot hold. */
    private static final List<String> SIZES = List.of("0", "1", "512", "1k", "1K", "64M", "1.5G", "1.7k", "0.3k",
            "1.1E", "7.99999E", "1.5e", "1.", "1.0", "1.00000000000000000001", "2.9999999999999999999k",
            "0.123456789T", " 1k", "+1k", "0x10", "0x10M", "1b", "1B", "9223372036854775807",
            "8E", "99999999999999999999", "1k ", "1.5b", "0.5", "-1", "1e3", "1.5e3k", "abc", "1kB", "0x", "0x1.5k",
            "1.k", ".5k", "1.5 k");
    private static final Pattern FORMATTING_SIZE = Pattern.compile(" size=(-?[0-9]+) ");

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        q.img("create", "-q", "-f", "raw", "a.raw", "1M");
    }

    /**
     * qemu-img create prints the size it read before it creates anything (and fails before writing for sizes the
     * format cannot have): the size a text stands for, or qemu-img's error, for Strata's to match.
     */
    @Test
    void sizesAreReadAsQemuImgReadsThem() throws Exception {
        for (String size : SIZES) {
            QemuTools.Result theirs = q.run("qemu-img", "create", "-f", "qcow2", "probe.qcow2", size);
            Matcher m = FORMATTING_SIZE.matcher(theirs.stdout());
            if (m.find()) {
                assertEquals(Long.parseLong(m.group(1)), Sizes.parse(size), "size '" + size + "'");
            } else {
                Shell.Result ours = shell.run("image:create", "-f", "qcow2", "probe.qcow2", size);
                assertEquals(1, ours.status(), size);
                Qemu.assertSameError(theirs.stderr(), ours.err(), "image:create");
            }
            Files.deleteIfExists(dir.resolve("probe.qcow2"));
        }
    }

    /** A size-typed creation option fails with the words of qemu's option parser, before anything is created. */
    @Test
    void sizeOptionsFailAsQemuImgsDo() throws Exception {
        for (String size : List.of("20E", "17E", "99999999999999999999", "1.5x", "1.5", "-1", "1k ")) {
            QemuTools.Result theirs = q.run("qemu-img", "create", "-f", "qcow2", "-o", "size=" + size, "probe.qcow2");
            Shell.Result ours = shell.run("image:create", "-f", "qcow2", "-o", "size=" + size, "probe.qcow2");
            assertEquals(theirs.exitCode(), ours.status(), size);
            Qemu.assertSameError(theirs.stderr(), ours.err(), "image:create");
            assertFalse(Files.exists(dir.resolve("probe.qcow2")), size);
        }
    }

    @Test
    void optionErrorsAreQemuImgs() {
        for (List<String> args : List.of(List.of("-Z", "a.raw"), List.of("-UZ", "a.raw"), List.of("a.raw", "-f"),
                List.of("--output", "a.raw"), List.of("--bogus", "a.raw"), List.of("--force-share=1", "a.raw"),
                List.of("--f", "a.raw"), List.of("a.raw", "a.raw"), List.<String>of())) {
            QemuTools.Result theirs = q.run(Qemu.prepend("qemu-img", Qemu.concat(List.of("info"),
                    args.toArray(String[]::new))));
            Shell.Result ours = shell.run("image:info", args.toArray(String[]::new));
            assertEquals(theirs.exitCode(), ours.status(), args.toString());
            assertEquals(Qemu.asStrata(theirs.stderr(), "image:info"), ours.err(), args.toString());
        }
    }

    /** getopt_long takes any unambiguous prefix of a long option, and so does qemu-img. */
    @Test
    void longOptionsMayBeShortened() {
        String theirs = q.img("info", "--out=json", "--back", "-f", "raw", "a.raw");
        String ours = shell.run("image:info", "--out=json", "--back", "-f", "raw", "a.raw").ok().out();
        assertEquals(Qemu.withoutActualSize(theirs), Qemu.withoutActualSize(ours));
    }

    /** Every command's --help is its usage, written from the options it declares. */
    @Test
    void everyCommandPrintsItsUsage() {
        assertFalse(shell.commandNames().isEmpty());
        for (String name : shell.commandNames()) {
            String usage = shell.run(name, "--help").ok().out();
            assertTrue(usage.startsWith("usage: " + name + " "), usage);
            assertTrue(usage.lines().allMatch(l -> l.length() <= 100), usage);
        }
        String create = shell.run("image:create", "--help").ok().out();
        assertTrue(create.startsWith("usage: image:create [-f FMT] [-o OPT=VAL[,...]]... [-b BACKING]"
                + " [-F BACKING_FMT] [-u]\n                    [--allow-root=DIR|URL]... [-q] FILE [SIZE]\n"), create);
        assertTrue(create.contains("\n  -u, --unsafe            do not open the backing file (SIZE is then"
                + " required)\n"), create);
    }
}
