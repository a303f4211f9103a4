package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.testkit.QemuTools;

/**
 * The image commands on vmdk images, against qemu-img: info and map JSON byte for byte, the same human text, the
 * same create, check and measure outputs and exit codes; conversions to and from every format that qemu-img reads
 * back equal and clean; probing that tells vmdk apart as QEMU does; and extents named by a descriptor that go
 * through the reference gate like any other file an image names.
 */
class VmdkCommandsInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    private void written(String options, String file) {
        q.img("create", "-q", "-f", "vmdk", "-o", options, file, "4M");
        q.io("-f", "vmdk", "-c", "write -P 0x11 0 64k", "-c", "write -P 0x22 100k 300k", "-c", "write -z 1100k 200k",
                "-c", "write -P 0x44 1500k 500k", "-c", "write -P 0x55 3M 7", file);
    }

    private void assertSameOutput(String file, String... command) {
        String[] strata = new String[command.length - 1];
        System.arraycopy(command, 1, strata, 0, strata.length);
        String tool = command[0].equals("info") ? "image:info" : "image:" + command[0];
        assertEquals(q.img(Qemu.concat(List.of(command), file)), shell.run(tool, Qemu.concat(List.of(strata), file))
                .ok().out(), String.join(" ", command) + " " + file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=monolithicSparse", "zeroed_grain=on", "subformat=monolithicFlat",
        "subformat=twoGbMaxExtentSparse", "subformat=twoGbMaxExtentFlat,adapter_type=lsilogic"})
    void infoMapAndCheckAreThoseOfQemuImg(String options) {
        written(options, "d.vmdk");
        assertSameOutput("d.vmdk", "info", "--output=json");
        assertSameOutput("d.vmdk", "info");
        assertSameOutput("d.vmdk", "map", "--output=json");
        assertSameOutput("d.vmdk", "check", "--output=json");
        assertSameOutput("d.vmdk", "check");
    }

    @Test
    void streamOptimizedImagesAndChainsShowAsInQemuImg() {
        q.img("create", "-q", "-f", "raw", "src.raw", "4M");
        q.io("-f", "raw", "-c", "write -P 1 0 100k", "-c", "write -P 2 2M 64k", "src.raw");
        q.img("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", "src.raw", "s.vmdk");
        assertSameOutput("s.vmdk", "info", "--output=json");
        assertSameOutput("s.vmdk", "info");
        assertSameOutput("s.vmdk", "map", "--output=json");

        written("zeroed_grain=on", "base.vmdk");
        q.img("create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "top.vmdk");
        q.io("-c", "write -P 3 1M 64k", "-c", "write -P 4 3000k 5000", "top.vmdk");
        assertSameOutput("top.vmdk", "info", "--backing-chain", "--output=json");
        assertSameOutput("top.vmdk", "info", "--backing-chain");
        assertSameOutput("top.vmdk", "map", "--output=json");
    }

    @Test
    void createPrintsAndRefusesAsQemuImg() {
        for (String options : List.of("subformat=monolithicFlat,adapter_type=buslogic", "zeroed_grain,compat6=on",
                "subformat=twoGbMaxExtentSparse,hwversion=7,toolsversion=42")) {
            assertEquals(q.img("create", "-f", "vmdk", "-o", options, "q.vmdk", "3M").replace("q.vmdk", "s.vmdk"),
                    shell.run("image:create", "-f", "vmdk", "-o", options, "s.vmdk", "3M").ok().out());
            q.assertClean("s.vmdk");
        }
        assertEquals(q.img("create", "-f", "vmdk", "-o", "help"),
                shell.run("image:create", "-f", "vmdk", "-o", "help").ok().out());
        Shell.Result bad = shell.run("image:create", "-f", "vmdk", "-o", "compat6=on,hwversion=7", "b.vmdk", "1M");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("compat6 cannot be enabled with hwversion set"), bad.err());
        Shell.Result measure = shell.run("image:measure", "-O", "vmdk", "--size", "1G");
        assertEquals(1, measure.status());
        assertEquals("image:measure: Block driver 'vmdk' does not support size measurement\n", measure.err());
        written("subformat=monolithicSparse", "m.vmdk");
        assertSameOutput("m.vmdk", "measure", "-O", "qcow2");
    }

    @Test
    void checkFailsAsQemuImgOnGrainsPastTheEnd() throws Exception {
        written("subformat=monolithicSparse", "c.vmdk");
        try (var f = new java.io.RandomAccessFile(dir.resolve("c.vmdk").toFile(), "rw")) {
            f.setLength(100_000);
        }
        QemuTools.Result expected = q.run("qemu-img", "check", "c.vmdk");
        Shell.Result r = shell.run("image:check", "c.vmdk");
        assertEquals(1, expected.exitCode());
        assertEquals(1, r.status());
        // qemu-img: "ERROR: <what>" then "qemu-img: Check failed: Invalid argument"; Strata: both in one line
        String what = expected.stderr().lines().findFirst().orElseThrow().replace("ERROR: ", "");
        assertEquals("image:check: Check failed: " + what + " (Invalid argument)\n", r.err());
        // nothing to repair in vmdk: qemu-img and Strata exit 63
        written("subformat=monolithicSparse", "ok.vmdk");
        QemuTools.Result repair = q.run("qemu-img", "check", "-r", "all", "ok.vmdk");
        Shell.Result strataRepair = shell.run("image:check", "-r", "all", "ok.vmdk");
        assertEquals(63, repair.exitCode());
        assertEquals(63, strataRepair.status());
        Qemu.assertSameError(repair.stderr(), strataRepair.err(), "image:check");
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "streamOptimized", "monolithicFlat", "twoGbMaxExtentSparse",
        "twoGbMaxExtentFlat"})
    void convertsToAndFromEveryFormat(String subformat) {
        q.img("create", "-q", "-f", "qcow2", "src.qcow2", "5M");
        q.io("-c", "write -P 7 0 1M", "-c", "write -P 8 1500k 3000", "-c", "write -z 2M 1M", "-c",
                "write -P 9 4M 64k", "src.qcow2");
        shell.run("image:convert", "-O", "vmdk", "-o", "subformat=" + subformat, "src.qcow2", "v.vmdk").ok();
        q.assertClean("v.vmdk");
        q.assertSameContent("src.qcow2", "v.vmdk");
        assertEquals(q.img("map", "--output=json", "v.vmdk"), shell.run("image:map", "--output=json", "v.vmdk")
                .ok().out());
        for (String target : List.of("raw", "qcow2", "vmdk")) {
            String out = "back." + target;
            shell.run("image:convert", "-O", target, "v.vmdk", out).ok();
            q.assertSameContent("v.vmdk", out);
        }
        assertTrue(shell.run("image:info", "v.vmdk").ok().out().contains("file format: vmdk"));
    }

    @Test
    void commitWritesTheParentAndKeepsTheTopAsQemuImgDoes() throws Exception {
        written("zeroed_grain=on", "base.vmdk");
        q.img("create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "top.vmdk");
        q.io("-c", "write -P 3 1M 64k", "-c", "write -P 4 3000k 5000", "top.vmdk");
        String expected = q.img("convert", "-O", "raw", "top.vmdk", "expected.raw");
        Files.createDirectories(dir.resolve("q"));
        for (String f : List.of("base.vmdk", "top.vmdk")) {
            Files.copy(dir.resolve(f), dir.resolve("q").resolve(f));
        }
        assertEquals(q.img("commit", "q/top.vmdk").replace("q/", ""), shell.run("image:commit", "top.vmdk").ok().out());
        q.assertSameContent("base.vmdk", "expected.raw");
        // neither can empty a vmdk top: it keeps its data and no longer matches its parent's new CID, so reading
        // it through the parent fails in both; its map shows the parent's ranges as the top's own data (a
        // documented difference: qemu-img map still shows the chain)
        String qemuMap = q.img("map", "--output=json", "q/top.vmdk");
        String map = shell.run("image:map", "--output=json", "top.vmdk").ok().out();
        assertTrue(qemuMap.contains("\"depth\": 1") && !map.contains("\"depth\": 1"), map);
        QemuTools.Result qemuRead = q.run("qemu-img", "convert", "-O", "raw", "q/top.vmdk", "q/out.raw");
        Shell.Result read = shell.run("image:convert", "-O", "raw", "top.vmdk", "out.raw");
        assertTrue(qemuRead.exitCode() != 0 && qemuRead.stderr().contains("Invalid argument"), qemuRead.stderr());
        assertTrue(read.status() != 0 && read.err().contains("Invalid argument"), read.err());
        assertTrue(expected.isEmpty());
    }

    @Test
    void probingTellsVmdkApartAsQemuDoes() throws Exception {
        String descriptor = "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
                + "RW 2048 FLAT \"f.flat\" 0\n";
        q.img("create", "-q", "-f", "raw", "f.flat", "1M");
        // QEMU looks at 512 bytes: comments and blank lines of spaces may come before "version="; nothing else
        List<String> heads = List.of("", "# a comment\n   \n", "  \r\n", "\n", "x\n", "#".repeat(501) + "\n",
                "#".repeat(502) + "\n");
        for (int i = 0; i < heads.size(); i++) {
            String name = "p" + i + ".vmdk";
            Files.writeString(dir.resolve(name), heads.get(i) + descriptor);
            String qemuFormat = q.img("info", name).lines().filter(l -> l.startsWith("file format:")).findFirst()
                    .orElseThrow();
            assertTrue(shell.run("image:info", name).ok().out().contains(qemuFormat + "\n"), name + ": " + qemuFormat);
        }
    }

    // ------------------------------------------------------------------ the reference gate

    private void assertRefused(Shell.Result r, String file) {
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("'" + file + "'") && r.err().contains("outside the allowed roots")
                && r.err().contains("--allow-root"), r.err());
    }

    private void assertEveryCommandRefuses(String image, String file) {
        assertRefused(shell.run("image:info", image), file);
        assertRefused(shell.run("image:map", image), file);
        assertRefused(shell.run("image:check", image), file);
        assertRefused(shell.run("image:convert", "-O", "raw", image, "out.raw"), file);
        assertFalse(Files.exists(dir.resolve("a/vm/out.raw")));
    }

    private static String descriptorNaming(String extent) {
        return "# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
                + "RW 8 FLAT \"" + extent + "\" 0\n";
    }

    @Test
    void extentsOutsideTheAllowedRootsAreRefusedBeforeAnyByteIsRead() throws Exception {
        Path vm = Files.createDirectories(dir.resolve("a/vm"));
        Path other = Files.createDirectories(dir.resolve("a/other"));
        Files.write(other.resolve("secret.flat"), new byte[4096]);
        Files.write(dir.resolve("x"), new byte[4096]);
        shell = new Shell(vm);
        // qemu-img reads such a descriptor's extents, whatever they are (CVE-2022-47951)
        Files.writeString(vm.resolve("passwd.vmdk"), descriptorNaming("/etc/passwd"));
        assertTrue(QemuTools.runIn(vm, List.of("qemu-img", "info", "passwd.vmdk")).ok().contains("/etc/passwd"));
        assertEveryCommandRefuses("passwd.vmdk", "/etc/passwd");
        Files.writeString(vm.resolve("up.vmdk"), descriptorNaming("../../x"));
        assertEveryCommandRefuses("up.vmdk", dir.resolve("x").toString());
        String absolute = other.resolve("secret.flat").toString();
        Files.writeString(vm.resolve("abs.vmdk"), descriptorNaming(absolute));
        assertEveryCommandRefuses("abs.vmdk", absolute);
        Files.writeString(vm.resolve("rel.vmdk"), descriptorNaming("../other/secret.flat"));
        assertEveryCommandRefuses("rel.vmdk", absolute);
        Files.createSymbolicLink(vm.resolve("link.flat"), other.resolve("secret.flat"));
        Files.writeString(vm.resolve("link.vmdk"), descriptorNaming("link.flat"));
        assertEveryCommandRefuses("link.vmdk", vm.resolve("link.flat").toString());
        // a FIFO outside: reading any byte of it would block; it is refused before it is opened
        Path fifo = other.resolve("fifo");
        QemuTools.run("mkfifo", fifo).ok();
        Files.writeString(vm.resolve("fifo.vmdk"), descriptorNaming(fifo.toString()));
        Shell.Result r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> shell.run("image:info",
                "fifo.vmdk"));
        assertRefused(r, fifo.toString());
        // allowed by the caller, the same descriptors open
        assertEquals(QemuTools.runIn(vm, List.of("qemu-img", "info", "--output=json", "link.vmdk")).ok(),
                shell.run("image:info", "--output=json", "--allow-root", "../other", "link.vmdk").ok().out());
        shell.run("image:convert", "--allow-root", other.toString(), "-O", "raw", "abs.vmdk", "abs.raw").ok();
    }

    @Test
    void aParentOutsideTheAllowedRootsIsRefused() throws Exception {
        Path vm = Files.createDirectories(dir.resolve("vm"));
        Path other = Files.createDirectories(dir.resolve("other"));
        q.img("create", "-q", "-f", "vmdk", other.resolve("base.vmdk").toString(), "1M");
        QemuTools.runIn(vm, List.of("qemu-img", "create", "-q", "-f", "vmdk", "-b", "../other/base.vmdk", "-F",
                "vmdk", "top.vmdk")).ok();
        shell = new Shell(vm);
        Shell.Result r = shell.run("image:map", "top.vmdk");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("Refusing to open backing file '" + other.resolve("base.vmdk") + "'"), r.err());
        shell.run("image:info", "top.vmdk").ok();
    }
}
