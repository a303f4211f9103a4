package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * image:io against qemu-io 7.2: the same command lines on copies of the same image give the same exit status, the
 * same output (stdout and stderr, the timing part of the statistics lines aside) and the same image afterwards.
 * Requests that do not lie inside the image fail with an I/O error (they used to read zeroes and succeed), pattern
 * bytes above 0xff and malformed numbers are refused with qemu-io's messages (0x100 used to write 0x00), and a
 * command that fails does not stop the ones after it.
 */
class IoInteropTest {

    /** qemu-io's usage lines, and Strata's for its subset of the options (the rest of the line is the same). */
    private static final Map<String, String> USAGE = Map.of(
            "read [-abCqv] [-P pattern [-s off] [-l len]] off len", "read [-q] [-P pattern] off len",
            "write [-bcCfnquz] [-P pattern | -s source_file] off len", "write [-cquz] [-P pattern] off len",
            "discard [-Cq] off len", "discard [-q] off len");

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        for (String format : List.of("qcow2", "raw")) {
            q.img("create", "-q", "-f", format, "base." + format, "64M");
            q.io("-f", format, "-c", "write -P 5 4k 4k", "-c", "write -P 0x11 1M 64k", "base." + format);
        }
    }

    /** Runs the command lines with qemu-io and image:io on copies of base.FORMAT; everything must come out alike. */
    private void assertSameInFormat(String format, String... commands) {
        assertSameInFormat(format, List.of(), commands);
    }

    /** As {@link #assertSameInFormat(String, String...)}, with qemu-io's {@code options} before the commands. */
    private void assertSameInFormat(String format, List<String> options, String... commands) {
        String theirs = "theirs." + format;
        String ours = "ours." + format;
        for (String copy : List.of(theirs, ours)) {
            QemuTools.run("cp", "--sparse=always", dir.resolve("base." + format).toString(),
                    dir.resolve(copy).toString()).ok();
        }
        List<String> args = new ArrayList<>(List.of("-f", format));
        args.addAll(options);
        for (String c : commands) {
            args.addAll(List.of("-c", c));
        }
        QemuTools.Result expected = q.run(Qemu.concat(List.of("qemu-io"), Qemu.concat(args, theirs)));
        Shell.Result actual = shell.run("image:io", Qemu.concat(args, ours));
        String what = format + " " + List.of(commands);
        assertEquals(expected.exitCode(), actual.status(), what + "\n" + actual.out() + actual.err());
        assertEquals(withStrataUsage(withoutTimes(expected.stdout())), withoutTimes(actual.out()), what);
        assertEquals(expected.stderr().replace("qemu-io: ", "image:io: "), actual.err(), what);
        var compare = q.run("qemu-img", "compare", "-f", format, "-F", format, theirs, ours);
        assertEquals(0, compare.exitCode(), what + ": " + compare.stdout() + compare.stderr());
        if (format.equals("qcow2")) {
            q.assertClean(ours);
        }
    }

    /** The statistics lines without what depends on time: "4 KiB, 1 ops; TIME". */
    private static String withoutTimes(String out) {
        return out.replaceAll("(?m)^(.*, 1 ops; )[0-9:.]+ sec \\(.*\\)$", "$1TIME");
    }

    private static String withStrataUsage(String out) {
        for (var e : USAGE.entrySet()) {
            out = out.replace(e.getKey() + " -- ", e.getValue() + " -- ");
        }
        return out;
    }

    private void assertSameAsQemuIo(String... commands) {
        for (String format : List.of("qcow2", "raw")) {
            assertSameInFormat(format, commands);
        }
    }

    @Test
    void requestsThatDoNotLieInsideTheImageFail() {
        for (String c : List.of("read 64M 4k", "read 63M 2M", "read -P 0 64M 4k", "read -q 64M 4k", "write 64M 4k",
                "write 63M 2M", "write -z 64M 4k", "write -z -u 63M 2M", "discard 64M 4k", "discard 63M 2M",
                "read 65M 0", "write 65M 0", "write -z 65M 0", "discard 65M 0", "read 7E 1",
                "read 0x7fffffffffffffff 1", "write 9223372036854775807 1")) {
            assertSameAsQemuIo(c);
        }
        // empty requests at the very end are inside
        assertSameAsQemuIo("read 64M 0", "write 64M 0", "write -z 64M 0", "discard 64M 0");
        assertSameInFormat("qcow2", "write -c 64M 64k");
        // a failed command does not stop the next ones, and the status says one failed
        assertSameAsQemuIo("read 64M 4k", "write -P 7 0 4k", "read -P 7 0 4k");
    }

    @Test
    void patternBytesAreCheckedAsQemuIoChecksThem() {
        for (String p : List.of("0x100", "0x1ff", "-1", "256", "1k", "08", "abc", "0x", "")) {
            assertSameAsQemuIo("write -P " + p + " 0 4k");
            assertSameAsQemuIo("read -P " + p + " 4k 4k");
        }
        // decimal, hexadecimal and octal (010 is 8), with a sign; the last -P counts
        assertSameAsQemuIo("write -P 255 0 4k", "write -P 010 4k 4k", "write -P +5 8k 4k", "write -P 0X1f 12k 4k",
                "write -P -0 16k 4k", "write -P 1 -P 2 20k 4k", "read -P 255 0 4k", "read -P 8 4k 4k",
                "read -P 5 8k 4k", "read -P 31 12k 4k", "read -P 0 16k 4k", "read -P 2 20k 4k");
        // a mismatch names the request, and without -q the statistics follow
        assertSameAsQemuIo("read -P 5 0 8k", "read -q -P 5 0 8k", "read -P 0x11 1M 64k");
    }

    @Test
    void numbersAreReadAsQemuIoReadsThem() {
        for (String c : List.of("read -- -1 4k", "read 0 -- -1", "read 1.5 4k", "read 1.5k 4k", "read 0x10 4k",
                "read 1x 4k", "read 1Z 4k", "read 0 4Z", "read 0 1b", "read 0 1.5k", "read 0 3G", "read 0 2147483137",
                "read 0 16E", "read 8E 1", "read 1e3 1", "read 0 0x", "read 1.0 1", "read 1. 1", "read 0 1.k",
                "read 0x1b 1", "read 0x1k 1", "read 0X1G 1", "read 0x1.5 1", "read 0 99999999999999999999", "write 0 3G",
                "write -z 0 3G", "write -c 0 3G", "discard 0 3G", "discard 0 -- -5", "write 1.5k 0.5k")) {
            assertSameAsQemuIo(c);
        }
    }

    @Test
    void commandLinesAreCheckedAsQemuIoChecksThem() {
        for (String c : List.of("read 0", "read 0 1 2", "read a b", "read 0 -1", "read -x 0 1", "read 0 1 -P",
                "flush 1", "foo 1 3", "", "   ", "write -P", "write -z -P 3 0 4k", "write -P 3 -z 0 1x",
                "write -u 0 4k", "write -u -P 3 0 1", "write -u 0", "discard -z 0 1")) {
            assertSameAsQemuIo(c);
        }
        // qemu-io's short names, byte-granular requests, zero writes and flush
        assertSameAsQemuIo("r 0 1", "w -P 9 1 3", "d 0 0", "f", "write -z 6 10", "write -z -u 0 64k", "flush",
                "r -P 9 1 3");
        assertSameInFormat("qcow2", "write -c 1 3");
        assertSameInFormat("qcow2", "write -c 0 3");
        assertSameInFormat("qcow2", "write -q -c 512 3");
        assertSameInFormat("qcow2", "write -c 2M 128k", "read -P 0xcd 2M 128k");
        assertSameInFormat("raw", "write -c 0 64k");
    }

    @Test
    void readOnlyRefusesWhatWritesAndRunsTheRest() {
        for (String format : List.of("qcow2", "raw")) {
            assertSameInFormat(format, List.of("-r"), "write -P 7 0 4k", "read -P 5 4k 4k", "discard 0 4k", "w -P",
                    "write -z 0 4k", "flush", "read -P 0 0 4k", "read -P 9 0 4k");
            assertSameInFormat(format, List.of("--read-only"), "read -P 0x11 1M 64k");
        }
    }
}
