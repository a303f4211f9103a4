package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.testkit.QemuTools.qemuImg;
import static org.strata.testkit.QemuTools.qemuIo;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * The image commands on VHD (vpc) images, against qemu-img: the same JSON byte for byte, the same probing (a
 * fixed disk, whose footer is at its end, probes as raw), the same messages and exit codes where qemu-img has no
 * check, resize or measure for vpc, and conversions both ways that qemu-img compare accepts.
 */
class VpcCommandsInteropTest {

    @TempDir
    Path dir;
    Shell shell;

    @BeforeEach
    void setUp() {
        shell = new Shell(dir);
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    /** What a QEMU tool prints when run in the test directory, with the same relative names Strata gets. */
    private QemuTools.Result qemu(String... args) {
        return QemuTools.runIn(dir, List.of(args));
    }

    /** A dynamic and a fixed disk written by qemu-io: data, a partial block, zeroes, the last sector. */
    private void qemuImages() {
        for (String subformat : List.of("dynamic", "fixed")) {
            String img = path(subformat + ".vhd");
            qemuImg("create", "-f", "vpc", "-o", "subformat=" + subformat, img, "7M");
            qemuIo("-f", "vpc", "-c", "write -P 1 0 64k", "-c", "write -P 2 2047k 3k", "-c", "write -z 3M 100k",
                    "-c", "write -P 3 5M 1M", "-c", "write -P 4 7339520 512", img);
        }
    }

    @Test
    void infoAndMapAreQemuImgsByteForByte() {
        qemuImages();
        for (String[] args : List.of(new String[] {"dynamic.vhd"}, new String[] {"-f", "vpc", "fixed.vhd"},
                new String[] {"fixed.vhd"})) {
            String what = String.join(" ", args);
            assertEquals(qemu(with(args, "qemu-img", "info", "--output=json")).ok(),
                    shell.run("image:info", with(args, "--output=json")).ok().out(), what);
            assertEquals(qemu(with(args, "qemu-img", "info")).ok(), shell.run("image:info", args).ok().out(), what);
            assertEquals(qemu(with(args, "qemu-img", "map", "--output=json")).ok(),
                    shell.run("image:map", with(args, "--output=json")).ok().out(), what);
            assertEquals(qemu(with(args, "qemu-img", "map")).ok(), shell.run("image:map", args).ok().out(), what);
        }
        assertTrue(shell.run("image:info", "fixed.vhd").ok().out().contains("file format: raw"),
                "a fixed disk probes as raw, as in qemu");
    }

    /** {@code head} followed by {@code tail}. */
    private static String[] with(String[] tail, String... head) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void createPrintsWhatQemuImgPrintsAndQemuReadsWhatStrataWrote() {
        for (String options : List.of("subformat=dynamic", "subformat=fixed,force_size=on")) {
            String ours = shell.run("image:create", "-f", "vpc", "-o", options, "s.vhd", "5M").ok().out();
            String theirs = qemu("qemu-img", "create", "-f", "vpc", "-o", options, "q.vhd", "5M").ok();
            assertEquals(theirs.replace("q.vhd", "s.vhd"), ours, options);
            shell.run("image:io", "-f", "vpc", "-c", "write -P 0x5a 1M 1536k", "-c", "write -z 1100k 4k",
                    "s.vhd").ok();
            qemuIo("-f", "vpc", "-c", "write -P 0x5a 1M 1536k", "-c", "write -z 1100k 4k", path("q.vhd"));
            assertEquals(0, qemu("qemu-img", "compare", "-f", "vpc", "-F", "vpc", "s.vhd", "q.vhd").exitCode());
            assertEquals(qemu("qemu-img", "info", "-f", "vpc", "--output=json", "q.vhd").ok()
                            .replace("q.vhd", "s.vhd").replaceAll("\"actual-size\": [0-9]+", ""),
                    shell.run("image:info", "-f", "vpc", "--output=json", "s.vhd").ok().out()
                            .replaceAll("\"actual-size\": [0-9]+", ""));
        }
        assertEquals(qemu("qemu-img", "create", "-f", "vpc", "-o", "help").ok(),
                shell.run("image:create", "-f", "vpc", "-o", "help").ok().out());
        Shell.Result bad = shell.run("image:create", "-f", "vpc", "-o", "subformat=foo", "x.vhd", "1M");
        assertEquals(1, bad.status());
        // as qemu-img: the error names the file
        assertEquals("image:create: x.vhd: Parameter 'subformat' does not accept value 'foo'\n", bad.err());
    }

    /** qemu-img 7.2 has no check, resize or measure for vpc: the same exit codes and words. */
    @Test
    void checkResizeAndMeasureFailAsInQemuImg() {
        qemuImages();
        QemuTools.Result q = qemu("qemu-img", "check", "dynamic.vhd");
        Shell.Result r = shell.run("image:check", "dynamic.vhd");
        assertEquals(63, q.exitCode());
        assertEquals(q.exitCode(), r.status());
        assertEquals(q.stderr().replace("qemu-img: ", "image:check: "), r.err());

        q = qemu("qemu-img", "resize", "dynamic.vhd", "8M");
        r = shell.run("image:resize", "dynamic.vhd", "8M");
        assertEquals(q.exitCode(), r.status());
        assertEquals(q.stderr().replace("qemu-img: ", "image:resize: "), r.err());

        q = qemu("qemu-img", "measure", "-O", "vpc", "--size", "1G");
        r = shell.run("image:measure", "-O", "vpc", "--size", "1G");
        assertEquals(q.exitCode(), r.status());
        assertEquals(q.stderr().replace("qemu-img: ", "image:measure: "), r.err());

        assertEquals(qemu("qemu-img", "measure", "--output=json", "-O", "qcow2", "dynamic.vhd").ok(),
                shell.run("image:measure", "--output=json", "-O", "qcow2", "dynamic.vhd").ok().out());
    }

    @Test
    void convertsToAndFromEveryFormat() {
        qemuImages();
        qemuImg("create", "-f", "qcow2", path("src.qcow2"), "3M");
        qemuIo("-c", "write -P 9 100k 1M", path("src.qcow2"));
        for (String from : List.of("dynamic.vhd", "fixed.vhd")) {
            for (String to : List.of("raw", "qcow2", "vpc")) {
                String out = "out-" + from + "." + to;
                shell.run("image:convert", "-f", "vpc", "-O", to, from, out).ok();
                assertEquals(0, qemu("qemu-img", "compare", "-f", "vpc", "-F", to, from, out).exitCode(), out);
            }
        }
        for (String options : List.of("subformat=dynamic", "subformat=fixed", "subformat=fixed,force_size=on")) {
            String out = "from-qcow2-" + options.replace(',', '-') + ".vhd";
            shell.run("image:convert", "-O", "vpc", "-o", options, "src.qcow2", out).ok();
            String theirs = "qemu-" + out;
            qemu("qemu-img", "convert", "-O", "vpc", "-o", options, "src.qcow2", theirs).ok();
            assertEquals(0, qemu("qemu-img", "compare", "-f", "vpc", "-F", "vpc", out, theirs).exitCode(), out);
            // the same file mapped by both (qemu's own files differ in their first 4 KiB, which its file driver
            // allocates when a file grows from nothing)
            assertEquals(qemu("qemu-img", "map", "-f", "vpc", "--output=json", out).ok(),
                    shell.run("image:map", "-f", "vpc", "--output=json", out).ok().out(), out);
        }
    }
}
