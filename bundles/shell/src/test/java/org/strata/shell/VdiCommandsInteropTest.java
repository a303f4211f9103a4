package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * The image commands on VirtualBox VDI images, against qemu-img 7.2: info and map byte for byte, probing, create
 * (its printed line, its options and its refusals), check with QEMU's findings and exit codes, the refusals
 * where qemu-img has no resize, repair or measure for vdi, conversions both ways, and a VDI as a qcow2's backing
 * file.
 */
class VdiCommandsInteropTest {

    @TempDir
    Path dir;
    Shell shell;
    Qemu qemu;

    @BeforeEach
    void setUp() {
        shell = new Shell(dir);
        qemu = new Qemu(dir);
    }

    /** A dynamic, a static and an odd-sized static image written by qemu-io: data, partial blocks, zeroes. */
    private void qemuImages() {
        for (String[] image : List.of(new String[] {"dynamic.vdi", "off", "7M"},
                new String[] {"static.vdi", "on", "7M"}, new String[] {"odd.vdi", "on", "3000000"})) {
            qemu.img("create", "-f", "vdi", "-o", "static=" + image[1], image[0], image[2]);
            qemu.io("-f", "vdi", "-c", "write -P 1 0 64k", "-c", "write -P 2 1047k 3k", "-c", "write -z 2M 100k",
                    "-c", "write -P 3 2900k 1000", image[0]);
        }
    }

    @Test
    void infoAndMapAreQemuImgsByteForByte() {
        qemuImages();
        for (String image : List.of("dynamic.vdi", "static.vdi", "odd.vdi")) {
            for (String format : List.of("human", "json")) {
                String output = "--output=" + format;
                assertEquals(qemu.ok("qemu-img", "info", output, image), shell.run("image:info", output, image)
                        .ok().out(), image);
                assertEquals(qemu.ok("qemu-img", "map", output, image), shell.run("image:map", output, image)
                        .ok().out(), image);
            }
        }
    }

    @Test
    void createPrintsWhatQemuImgPrintsAndLaysOutTheSameFile() throws IOException {
        for (String options : List.of("static=off", "static=on", "static=yes", "static", "preallocation=full",
                "static=on,preallocation=falloc", "preallocation=off,static=n")) {
            Files.deleteIfExists(dir.resolve("s.vdi"));
            Files.deleteIfExists(dir.resolve("q.vdi"));
            String ours = shell.run("image:create", "-f", "vdi", "-o", options, "s.vdi", "3000000").ok().out();
            String theirs = qemu.ok("qemu-img", "create", "-f", "vdi", "-o", options, "q.vdi", "3000000");
            assertEquals(theirs.replace("q.vdi", "s.vdi"), ours, options);
            assertEquals(Files.size(dir.resolve("q.vdi")), Files.size(dir.resolve("s.vdi")), options);
            qemu.assertClean("s.vdi");
        }
        assertEquals("Formatting 'd.vdi', fmt=vdi size=1048576 static=off\n",
                shell.run("image:create", "-f", "vdi", "d.vdi", "1M").ok().out());
        assertEquals(qemu.ok("qemu-img", "create", "-f", "vdi", "-o", "help"),
                shell.run("image:create", "-f", "vdi", "-o", "help").ok().out());
    }

    @Test
    void createRefusesWhatQemuImgRefusesWithItsWords() {
        for (List<String> args : List.of(List.of("-o", "foo=bar", "x.vdi", "1M"),
                List.of("-o", "static=maybe", "x.vdi", "1M"), List.of("-o", "preallocation=metadata", "x.vdi", "1M"),
                List.of("-o", "preallocation=bogus", "x.vdi", "1M"), List.of("x.vdi"),
                List.of("-b", "base.vdi", "-F", "vdi", "x.vdi", "1M"), List.of("x.vdi", "3000T"))) {
            String[] given = args.toArray(String[]::new);
            QemuTools.Result q = qemu.run(Qemu.concat(List.of("qemu-img", "create", "-f", "vdi"), given));
            Shell.Result r = shell.run("image:create", Qemu.concat(List.of("-f", "vdi"), given));
            assertEquals(1, q.exitCode(), args.toString());
            assertEquals(q.exitCode(), r.status(), args + ": " + r.err());
            assertEquals(q.stderr().replace("qemu-img: ", "image:create: "), r.err(), args.toString());
        }
    }

    @Test
    void checkReportsWhatQemuImgCheckReports() throws IOException {
        qemuImages();
        assertSameCheck("dynamic.vdi", 0);
        assertSameCheck("static.vdi", 0);
        // block 1 shares block 0's data, block 2 points past the image, and the count is off by one
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("dynamic.vdi").toFile(), "rw")) {
            f.seek(0x200 + 4);
            f.write(new byte[] {0, 0, 0, 0, 0, 1, 0, 0});
            f.seek(0x184);
            f.write(new byte[] {5, 0, 0, 0});
        }
        assertSameCheck("dynamic.vdi", 2);
    }

    private void assertSameCheck(String image, int exitCode) {
        for (String format : List.of("human", "json")) {
            QemuTools.Result q = qemu.run("qemu-img", "check", "--output=" + format, image);
            Shell.Result r = shell.run("image:check", "--output=" + format, image);
            assertEquals(exitCode, q.exitCode(), q.stderr());
            assertEquals(q.exitCode(), r.status(), r.err());
            assertEquals(q.stdout(), r.out(), image);
            assertEquals(q.stderr(), r.err(), image);
        }
    }

    /** qemu-img 7.2 cannot repair, resize or measure a VDI: the same exit codes and words. */
    @Test
    void repairResizeAndMeasureFailAsInQemuImg() {
        qemuImages();
        for (String[] args : List.of(new String[] {"check", "-r", "all", "dynamic.vdi"},
                new String[] {"check", "-r", "leaks", "static.vdi"}, new String[] {"resize", "dynamic.vdi", "8M"},
                new String[] {"resize", "--shrink", "static.vdi", "1M"},
                new String[] {"measure", "-O", "vdi", "--size", "1G"}, new String[] {"measure", "-O", "vdi",
                        "dynamic.vdi"})) {
            QemuTools.Result q = qemu.run(Qemu.prepend("qemu-img", args));
            Shell.Result r = shell.run("image:" + args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
            assertEquals(q.exitCode(), r.status(), String.join(" ", args) + ": " + r.err());
            assertEquals(q.stderr().replace("qemu-img: ", "image:" + args[0] + ": "), r.err(), String.join(" ", args));
        }
        assertEquals(qemu.ok("qemu-img", "measure", "--output=json", "-O", "qcow2", "dynamic.vdi"),
                shell.run("image:measure", "--output=json", "-O", "qcow2", "dynamic.vdi").ok().out());
    }

    @Test
    void convertsToAndFromEveryFormat() {
        qemuImages();
        qemu.img("create", "-f", "qcow2", "src.qcow2", "3M");
        qemu.io("-c", "write -P 9 100k 1M", "-c", "write -z 2M 64k", "src.qcow2");
        for (String from : List.of("dynamic.vdi", "static.vdi", "odd.vdi")) {
            for (String to : List.of("raw", "qcow2", "vdi")) {
                String out = "out-" + from + "." + to;
                shell.run("image:convert", "-O", to, from, out).ok();
                qemu.assertSameContent(from, out);
                if (!to.equals("raw")) {
                    qemu.assertClean(out);
                }
            }
        }
        for (String options : List.of("static=off", "static=on")) {
            String ours = "ours-" + options + ".vdi";
            String theirs = "theirs-" + options + ".vdi";
            shell.run("image:convert", "-O", "vdi", "-o", options, "src.qcow2", ours).ok();
            qemu.img("convert", "-O", "vdi", "-o", options, "src.qcow2", theirs);
            qemu.assertSameContent(ours, theirs);
            qemu.assertClean(ours);
            assertEquals(qemu.ok("qemu-img", "map", "--output=json", theirs),
                    qemu.ok("qemu-img", "map", "--output=json", ours), "blocks allocated as qemu-img allocates them");
            assertEquals(qemu.ok("qemu-img", "map", "--output=json", ours),
                    shell.run("image:map", "--output=json", ours).ok().out());
        }
    }

    @Test
    void probingTellsVdiFromRawAsQemuDoes() throws IOException {
        qemuImages();
        assertTrue(shell.run("image:info", "dynamic.vdi").ok().out().contains("file format: vdi"));
        // a raw disk whose guest wrote VDI's signature at 0x40 probes as VDI in QEMU, and fails to open as one
        Files.write(dir.resolve("looks.img"), java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve("dynamic.vdi")),
                0x48));
        QemuTools.Result q = qemu.run("qemu-img", "info", "looks.img");
        Shell.Result r = shell.run("image:info", "looks.img");
        assertEquals(1, q.exitCode());
        assertEquals(q.exitCode(), r.status());
        assertEquals(q.stderr().replace("qemu-img: ", "image:info: "), r.err());
        assertTrue(shell.run("image:info", "-f", "raw", "looks.img").ok().out().contains("file format: raw"));
    }

    @Test
    void aVdiServesAsAQcow2sBackingFile() {
        qemuImages();
        qemu.img("create", "-f", "qcow2", "-b", "dynamic.vdi", "-F", "vdi", "top.qcow2");
        qemu.io("-c", "write -P 7 1M 4k", "top.qcow2");
        for (String format : List.of("human", "json")) {
            assertEquals(qemu.ok("qemu-img", "map", "--output=" + format, "top.qcow2"),
                    shell.run("image:map", "--output=" + format, "top.qcow2").ok().out());
        }
        shell.run("image:convert", "-O", "raw", "top.qcow2", "flat.raw").ok();
        qemu.assertSameContent("top.qcow2", "flat.raw");
        shell.run("image:commit", "top.qcow2").ok();
        qemu.io("-f", "vdi", "-c", "read -P 7 1M 4k", "-c", "read -P 1 0 64k", "dynamic.vdi");
        qemu.assertClean("dynamic.vdi");
    }
}
