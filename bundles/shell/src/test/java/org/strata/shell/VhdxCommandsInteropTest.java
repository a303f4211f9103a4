package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * The image commands on VHDX images, against qemu-img: create (its line, its options and messages), info, map
 * and check byte for byte, convert to and from raw and qcow2, probing.
 */
class VhdxCommandsInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /** A VHDX image made and written by the QEMU tools. */
    private void qemuImage(String name, String... options) {
        q.img(Qemu.concat(List.of("create", "-q", "-f", "vhdx"), Qemu.concat(List.of(options), name, "20M")));
        q.io("-c", "write -P 0x11 0 300k", "-c", "write -P 0x22 9M 1M", "-c", "write -z 12M 64k",
                "-c", "write -P 0x33 20959232 4096", name);
    }

    @Test
    void createPrintsWhatQemuImgPrints() {
        for (List<String> options : List.of(List.<String>of(), List.of("-o", "subformat=fixed"),
                List.of("-o", "block_size=1M,log_size=2M"), List.of("-o", "block_size=100,log_size=100"),
                List.of("-o", "block_state_zero=off,subformat=dynamic"), List.of("-o", "block_size=512M"))) {
            String theirs = q.img(Qemu.concat(List.of("create", "-f", "vhdx"), Qemu.concat(options, "t.vhdx", "10M")));
            String ours = shell.run("image:create", Qemu.concat(List.of("-f", "vhdx"), Qemu.concat(options,
                    "o.vhdx", "10M"))).ok().out();
            assertEquals(theirs.replace("t.vhdx", "o.vhdx"), ours, options.toString());
            q.assertClean("o.vhdx");
            assertEquals(Qemu.withoutActualSize(q.img("info", "t.vhdx")).replace("t.vhdx", "o.vhdx"),
                    Qemu.withoutActualSize(q.img("info", "o.vhdx")), options.toString());
        }
    }

    @Test
    void badCreateOptionsGiveQemuImgsMessages() {
        for (List<String> args : List.of(List.of("-o", "block_size=3M", "x.vhdx", "10M"),
                List.of("-o", "log_size=5G", "x.vhdx", "10M"), List.of("-o", "bogus=1", "x.vhdx", "10M"),
                List.of("-o", "subformat=bogus", "x.vhdx", "10M"), List.of("-o", "block_state_zero=maybe",
                        "x.vhdx", "10M"), List.of("x.vhdx", "65T"), List.of("x.vhdx"),
                List.of("-b", "base.vhdx", "-F", "vhdx", "x.vhdx", "10M"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.concat(List.of("create", "-f", "vhdx"),
                    args.toArray(String[]::new))));
            Shell.Result ours = shell.run("image:create", Qemu.concat(List.of("-f", "vhdx"),
                    args.toArray(String[]::new)));
            assertEquals(theirs.exitCode(), ours.status(), args.toString());
            assertEquals(Qemu.asStrata(theirs.stderr(), "image:create"), ours.err(), args.toString());
        }
        assertEquals(q.img("create", "-f", "vhdx", "-o", "help"),
                shell.run("image:create", "-f", "vhdx", "-o", "help").ok().out());
    }

    @Test
    void infoMapAndCheckAreByteIdentical() {
        qemuImage("a.vhdx");
        qemuImage("f.vhdx", "-o", "subformat=fixed,block_size=1M");
        for (String name : List.of("a.vhdx", "f.vhdx")) {
            for (List<String> c : List.of(List.of("info", "--output=json"), List.of("info"),
                    List.of("map", "--output=json"), List.of("map"), List.of("check"),
                    List.of("check", "--output=json"))) {
                var theirs = q.run(Qemu.prepend("qemu-img", Qemu.concat(c, name)));
                Shell.Result ours = shell.run("image:" + c.get(0), Qemu.concat(c.subList(1, c.size()), name));
                assertEquals(theirs.stdout(), ours.out(), c + " " + name);
                assertEquals(Qemu.asStrata(theirs.stderr(), "image:" + c.get(0)), ours.err(), c + " " + name);
                assertEquals(theirs.exitCode(), ours.status(), c + " " + name);
            }
        }
    }

    @Test
    void aTruncatedImageIsCheckedAsQemuImgChecksIt() throws Exception {
        qemuImage("t.vhdx");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("t.vhdx").toFile(), "rw")) {
            f.setLength(17 << 20);
        }
        for (List<String> c : List.of(List.of("check"), List.of("check", "--output=json"),
                List.of("check", "-r", "all"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.concat(c, "t.vhdx")));
            Shell.Result ours = shell.run("image:check", Qemu.concat(c.subList(1, c.size()), "t.vhdx"));
            assertEquals(theirs.stdout(), ours.out(), c.toString());
            // QEMU prints each problem as an error (with its prefix); Strata as check findings
            assertEquals(theirs.stderr().replace("qemu-img: ", ""), ours.err(), c.toString());
            assertEquals(2, ours.status());
        }
        Shell.Result info = shell.run("image:info", "t.vhdx");
        assertEquals(1, info.status());
        assertTrue(info.err().contains("VHDX BAT entry 1 end offset 25165823 points after end of file (17825792)"),
                info.err());
    }

    @Test
    void aPendingLogIsReplayedByCheckRepairAsQemuImgDoes() throws Exception {
        for (String name : List.of("theirs.vhdx", "ours.vhdx")) {
            q.img("create", "-q", "-f", "vhdx", name, "16M");
            Files.writeString(dir.resolve("bd.conf"), "[inject-error]\nevent = \"pwritev\"\nerrno = \"5\"\n"
                    + "sector = \"4096\"\nonce = \"on\"\n");
            q.run("qemu-io", "-c", "write -P 0x5a 0 64k", "json:{\"driver\":\"vhdx\",\"file\":{\"driver\":"
                    + "\"blkdebug\",\"config\":\"bd.conf\",\"image\":{\"driver\":\"file\",\"filename\":\"" + name
                    + "\"}}}");
        }
        Shell.Result refused = shell.run("image:info", "ours.vhdx");
        assertEquals(1, refused.status());
        assertEquals(1, refused.err().lines().count());
        assertTrue(refused.err().startsWith("image:info: Could not open 'ours.vhdx': VHDX image file 'ours.vhdx'"
                + " opened read-only, but contains a log that needs to be replayed"), refused.err());
        var refusedCheck = q.run("qemu-img", "check", "theirs.vhdx");
        Shell.Result ourRefusedCheck = shell.run("image:check", "ours.vhdx");
        assertEquals(refusedCheck.exitCode(), ourRefusedCheck.status());
        Qemu.assertSameError(refusedCheck.stderr().replace("theirs", "ours"), ourRefusedCheck.err(), "image:check");
        var theirs = q.run("qemu-img", "check", "-r", "all", "--output=json", "theirs.vhdx");
        Shell.Result ours = shell.run("image:check", "-r", "all", "--output=json", "ours.vhdx");
        assertEquals(theirs.stdout().replace("theirs", "ours"), ours.out());
        assertEquals(theirs.exitCode(), ours.status());
        q.io("-c", "read -P 0x5a 0 64k", "ours.vhdx");
        q.assertSameContent("ours.vhdx", "theirs.vhdx");
    }

    @Test
    void convertsToAndFromRawAndQcow2() throws Exception {
        qemuImage("a.vhdx", "-o", "block_size=1M");
        q.img("convert", "-O", "raw", "a.vhdx", "theirs.raw");
        shell.run("image:convert", "-O", "raw", "a.vhdx", "ours.raw").ok();
        assertEquals(-1, Files.mismatch(dir.resolve("theirs.raw"), dir.resolve("ours.raw")));
        assertEquals(q.img("map", "--output=json", "theirs.raw"), q.img("map", "--output=json", "ours.raw"));

        shell.run("image:convert", "-O", "qcow2", "a.vhdx", "a.qcow2").ok();
        q.assertClean("a.qcow2");
        q.assertSameContent("a.qcow2", "a.vhdx");

        for (List<String> options : List.of(List.<String>of(), List.of("-o", "subformat=fixed"),
                List.of("-o", "block_size=2M,block_state_zero=off"))) {
            q.run("rm", "-f", "b.vhdx");
            List<String> args = new java.util.ArrayList<>(List.of("-O", "vhdx"));
            args.addAll(options);
            args.addAll(List.of("a.qcow2", "b.vhdx"));
            shell.run("image:convert", args.toArray(String[]::new)).ok();
            q.assertClean("b.vhdx");
            q.assertSameContent("b.vhdx", "a.qcow2");
        }
        // probed as vhdx, never as raw
        assertTrue(shell.run("image:info", "b.vhdx").ok().out().contains("file format: vhdx"));
    }

    @Test
    void aQcow2OverlayOnAVhdxBaseIsMappedAndCommittedAsQemuImgDoesIt() {
        qemuImage("base.vhdx", "-o", "block_size=1M");
        q.img("create", "-q", "-f", "qcow2", "-b", "base.vhdx", "-F", "vhdx", "top.qcow2");
        q.io("-c", "write -P 0x44 5M 128k", "top.qcow2");
        for (List<String> c : List.of(List.of("map", "--output=json"), List.of("info", "--backing-chain",
                "--output=json"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.concat(c, "top.qcow2")));
            Shell.Result ours = shell.run("image:" + c.get(0), Qemu.concat(c.subList(1, c.size()), "top.qcow2"));
            assertEquals(Qemu.withoutActualSize(theirs.stdout()), Qemu.withoutActualSize(ours.out()), c.toString());
        }
        q.img("convert", "-O", "raw", "top.qcow2", "expected.raw");
        shell.run("image:commit", "top.qcow2").ok();
        q.assertClean("base.vhdx");
        q.assertSameContent("base.vhdx", "expected.raw");
    }

    @Test
    void measureSaysWhatAConvertedImageTakes() {
        q.img("create", "-q", "-f", "vhdx", "-o", "block_size=1M", "a.vhdx", "20M");
        q.io("-c", "write -P 0x11 0 300k", "-c", "write -P 0x22 9M 1M", "-c", "write -P 0x33 20959232 4096", "a.vhdx");
        Shell.Result m = shell.run("image:measure", "--output=json", "-O", "vhdx", "-o", "block_size=1M", "a.vhdx")
                .ok();
        shell.run("image:convert", "-O", "vhdx", "-o", "block_size=1M", "a.vhdx", "m.vhdx").ok();
        long size = QemuTools.readFile(dir.resolve("m.vhdx")).length;
        assertTrue(m.out().contains("\"required\": " + size), m.out() + " for a file of " + size);
        // three of the twenty 1 MiB blocks hold data
        assertTrue(m.out().contains("\"fully-allocated\": " + (size + 17 * (1 << 20))), m.out());
    }

    /** QEMU's vhdx driver reports no block status: qemu-img measure counts a vhdx source as data throughout. */
    @Test
    void measureOfAVhdxSourceCountsItAllAsQemuImgDoes() {
        q.img("create", "-q", "-f", "vhdx", "-o", "block_size=1M", "a.vhdx", "20M");
        q.io("-c", "write -P 0x11 0 300k", "-c", "write -P 0x22 9M 1M", "a.vhdx");
        for (String target : List.of("qcow2", "raw")) {
            assertEquals(q.img("measure", "--output=json", "-O", target, "a.vhdx"),
                    shell.run("image:measure", "--output=json", "-O", target, "a.vhdx").ok().out(), target);
        }
    }
}
