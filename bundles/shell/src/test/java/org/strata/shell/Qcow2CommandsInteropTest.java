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
 * The image commands on qcow2 images, against qemu-img: the same JSON byte for byte, the same human text, the
 * same exit codes, and results that qemu-img check and compare accept.
 */
class Qcow2CommandsInteropTest {

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
    private String qemu(String... args) {
        return QemuTools.runIn(dir, List.of(args)).ok();
    }

    private void clean(String file) {
        assertEquals(0, QemuTools.run("qemu-img", "check", path(file)).exitCode(),
                () -> QemuTools.run("qemu-img", "check", path(file)).stdout());
    }

    private void chainWithData() {
        qemuImg("create", "-f", "raw", path("base.raw"), "4M");
        qemuIo("-f", "raw", "-c", "write -P 1 0 1M", path("base.raw"));
        // backing names relative to the images, as a host would record them
        qemuImg("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", path("mid.qcow2"));
        qemuIo("-c", "write -P 2 512k 1M", "-c", "write -z 3M 64k", path("mid.qcow2"));
        qemuImg("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", path("top.qcow2"));
        qemuIo("-c", "write -P 3 1M 100k", "-c", "discard 2M 64k", path("top.qcow2"));
    }

    @Test
    void infoAndMapJsonAreByteIdenticalToQemuImg() {
        chainWithData();
        for (String f : List.of("top.qcow2", "mid.qcow2")) {
            assertEquals(qemu("qemu-img", "info", "--output=json", f),
                    shell.run("image:info", "--output=json", f).ok().out(), f);
            assertEquals(qemu("qemu-img", "info", f), shell.run("image:info", f).ok().out(), f);
            assertEquals(qemu("qemu-img", "map", "--output=json", f),
                    shell.run("image:map", "--output=json", f).ok().out(), f);
            assertEquals(qemu("qemu-img", "map", f), shell.run("image:map", f).ok().out(), f);
        }
        assertEquals(qemu("qemu-img", "info", "--backing-chain", "--output=json", "top.qcow2"),
                shell.run("image:info", "--backing-chain", "--output=json", "top.qcow2").ok().out());
    }

    @Test
    void createPrintsWhatQemuImgPrints() {
        String ours = shell.run("image:create", "-f", "qcow2", "-o", "cluster_size=4k,lazy_refcounts=on",
                "a.qcow2", "64M").ok().out();
        String theirs = qemu("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=4k,lazy_refcounts=on",
                "b.qcow2", "64M").replace("b.qcow2", "a.qcow2");
        assertEquals(theirs, ours);
        clean("a.qcow2");
        assertEquals(qemu("qemu-img", "info", "--output=json", "b.qcow2").replace("b.qcow2", "a.qcow2")
                        .replaceAll("\"actual-size\": [0-9]+", ""),
                shell.run("image:info", "--output=json", "a.qcow2").ok().out()
                        .replaceAll("\"actual-size\": [0-9]+", ""));
    }

    @Test
    void checkJsonAndExitCodesMatchQemuImg() {
        chainWithData();
        assertEquals(qemu("qemu-img", "check", "--output=json", "top.qcow2"),
                shell.run("image:check", "--output=json", "top.qcow2").ok().out());
        assertEquals(qemu("qemu-img", "check", "top.qcow2"), shell.run("image:check", "top.qcow2").ok().out());
        Shell.Result raw = shell.run("image:check", "base.raw");
        assertEquals(63, raw.status());
    }

    @Test
    void convertToRawEqualsQemuImgConvertAndCompressedTargetsAreClean() {
        chainWithData();
        shell.run("image:convert", "-O", "raw", "top.qcow2", "ours.raw").ok();
        qemuImg("convert", "-O", "raw", path("top.qcow2"), path("theirs.raw"));
        assertEquals(0, QemuTools.run("qemu-img", "compare", "-f", "raw", "-F", "raw", path("ours.raw"),
                path("theirs.raw")).exitCode());
        for (String type : List.of("zlib", "zstd")) {
            String out = "c-" + type + ".qcow2";
            shell.run("image:convert", "-c", "-O", "qcow2", "-o", "compression_type=" + type, "top.qcow2", out).ok();
            clean(out);
            assertEquals(0, QemuTools.run("qemu-img", "compare", path(out), path("top.qcow2")).exitCode());
        }
    }

    @Test
    void measureEqualsQemuImgMeasure() {
        chainWithData();
        for (List<String> args : List.of(List.of("--size", "1G"), List.of("top.qcow2"), List.of("base.raw"))) {
            for (String fmt : List.of("qcow2", "raw")) {
                java.util.List<String> ours = new java.util.ArrayList<>(List.of("--output=json", "-O", fmt));
                ours.addAll(args);
                java.util.List<String> theirs = new java.util.ArrayList<>(List.of("qemu-img", "measure",
                        "--output=json", "-O", fmt));
                theirs.addAll(args);
                assertEquals(qemu(theirs.toArray(String[]::new)),
                        shell.run("image:measure", ours.toArray(String[]::new)).ok().out(), args + " " + fmt);
            }
        }
    }

    @Test
    void commitAndRebaseGiveQemuImgsResults() {
        chainWithData();
        qemuImg("convert", "-O", "raw", path("top.qcow2"), path("expected.raw"));
        // safe rebase of the top straight onto the raw base: guest content unchanged
        shell.run("image:rebase", "-b", "base.raw", "-F", "raw", "top.qcow2").ok();
        clean("top.qcow2");
        assertTrue(qemuImg("info", path("top.qcow2")).contains("backing file: base.raw"));
        assertEquals(0, QemuTools.run("qemu-img", "compare", path("top.qcow2"), path("expected.raw")).exitCode());
        // commit it into the base: the base now holds the whole content
        shell.run("image:commit", "top.qcow2").ok();
        assertEquals(0, QemuTools.run("qemu-img", "compare", "-f", "raw", "-F", "raw", path("base.raw"),
                path("expected.raw")).exitCode());
        clean("top.qcow2");
        // flatten: standalone, same content
        qemuImg("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", path("flat.qcow2"));
        qemuImg("convert", "-O", "raw", path("flat.qcow2"), path("flat-expected.raw"));
        shell.run("image:rebase", "-b", "", "flat.qcow2").ok();
        assertTrue(!qemuImg("info", path("flat.qcow2")).contains("backing file"));
        assertEquals(0, QemuTools.run("qemu-img", "compare", path("flat.qcow2"), path("flat-expected.raw")).exitCode());
        clean("flat.qcow2");
    }

    @Test
    void snapshotsAgreeWithQemuImg() {
        shell.run("image:create", "-f", "qcow2", "s.qcow2", "8M").ok();
        shell.run("image:io", "-c", "write -P 1 0 1M", "s.qcow2").ok();
        shell.run("image:snapshot", "-c", "one", "s.qcow2").ok();
        shell.run("image:io", "-c", "write -P 2 0 1M", "s.qcow2").ok();
        shell.run("image:snapshot", "-c", "two", "s.qcow2").ok();
        clean("s.qcow2");
        assertEquals(qemu("qemu-img", "snapshot", "-l", "s.qcow2"),
                shell.run("image:snapshot", "-l", "s.qcow2").ok().out());
        shell.run("image:snapshot", "-a", "one", "s.qcow2").ok();
        qemuIo("-c", "read -P 1 0 1M", path("s.qcow2"));
        shell.run("image:snapshot", "-d", "one", "s.qcow2").ok();
        clean("s.qcow2");
        assertTrue(qemuImg("snapshot", "-l", path("s.qcow2")).contains("two"));
        assertEquals(1, shell.run("image:snapshot", "-d", "nope", "s.qcow2").status());
    }
}
