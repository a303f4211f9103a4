package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.LoopDevices;
import org.strata.testkit.QemuTools;

/**
 * Images on host block devices (qcow2 on logical volumes is how oVirt keeps disks), on real loop devices: creating
 * a format formats the device and never resizes it, as qemu-img does; an image that does not fit is refused before
 * anything is written; image:resize of a qcow2 changes its virtual size, not the device; convert writes into a
 * device. Judged by qemu-img info, check, compare and qemu-io on the device.
 */
class BlockDeviceInteropTest {

    private static final long DEVICE = 32 << 20;

    @TempDir
    Path dir;
    private final LoopDevices loops = new LoopDevices();
    private Qemu q;
    private Shell shell;
    /** A loop device whose old content is 0x55 everywhere: what was on it must never show through. */
    private String dev;

    @BeforeEach
    void setUp() throws IOException {
        q = new Qemu(dir);
        shell = new Shell(dir);
        dev = loops.attach(dir.resolve("lv"), DEVICE);
        q.io("-f", "raw", "-c", "write -q -P 0x55 0 32M", dev);
    }

    @AfterEach
    void detach() {
        loops.detachAll();
    }

    private JsonObject info(String image) {
        return JsonParser.parseString(q.img("info", "--output=json", image)).getAsJsonObject();
    }

    private long deviceSize() {
        return Long.parseLong(QemuTools.run("blockdev", "--getsize64", dev).ok().trim());
    }

    @Test
    void createQcow2FormatsTheDeviceAsQemuImgDoes() {
        String ours = shell.run("image:create", "-f", "qcow2", dev, "64M").ok().out();
        assertEquals(q.img("create", "-f", "qcow2", dir.resolve("theirs.qcow2").toString(), "64M")
                .replace(dir.resolve("theirs.qcow2").toString(), dev), ours);
        assertEquals(DEVICE, deviceSize());
        JsonObject info = info(dev);
        assertEquals("qcow2", info.get("format").getAsString());
        assertEquals(64 << 20, info.get("virtual-size").getAsLong());
        q.assertClean(dev);
        // nothing of the device's old content shows: unwritten parts of newly allocated clusters read as zeroes
        shell.run("image:io", "-c", "write -q -P 0x11 100k 4k", "-c", "write -q -P 0x22 60M 1M", dev).ok();
        q.io("-c", "read -q -P 0 0 100k", "-c", "read -q -P 0x11 100k 4k", "-c", "read -q -P 0 104k 1M",
                "-c", "read -q -P 0x22 60M 1M", "-c", "read -q -P 0 61M 3M", dev);
        q.assertClean(dev);
        assertEquals(q.img("check", "--output=json", dev), shell.run("image:check", "--output=json", dev).ok().out());
    }

    @Test
    void preallocatedMetadataThatFitsReadsAsZeroes() {
        shell.run("image:create", "-q", "-f", "qcow2", "-o", "preallocation=metadata,cluster_size=16k", dev, "20M")
                .ok();
        q.assertClean(dev);
        assertTrue(q.img("map", "--output=json", dev).contains("\"data\": true"), "preallocated clusters are mapped");
        q.io("-c", "read -q -P 0 0 20M", dev);
        assertEquals(DEVICE, deviceSize());
    }

    @Test
    void whatDoesNotFitIsRefusedBeforeAnythingIsWritten() throws IOException {
        q.img("create", "-q", "-f", "qcow2", dev, "8M");
        q.io("-c", "write -q -P 0x33 1M 64k", dev);
        String small = loops.attach(dir.resolve("small-lv"), 192 << 10);
        q.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", small, "1M");
        for (String[] c : new String[][] {{"preallocation=metadata", "100M", dev},
            {"cluster_size=1k", "512G", dev}, {"preallocation=falloc", "1M", dev},
            {"preallocation=full", "1M", dev}, {"cluster_size=64k", "1M", small}}) {
            String device = c[2];
            String before = q.img("info", "--output=json", device);
            Shell.Result r = shell.run("image:create", "-f", "qcow2", "-o", c[0], device, c[1]);
            String what = c[0] + " " + c[1] + " on " + device;
            assertEquals(1, r.status(), what);
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("image:create: " + device + ": "), r.err());
            assertEquals(before, q.img("info", "--output=json", device), "the device's image is untouched: " + what);
            q.assertClean(device);
        }
        q.io("-c", "read -q -P 0x33 1M 64k", dev);
    }

    @Test
    void resizeChangesTheVirtualSizeNotTheDevice() {
        shell.run("image:create", "-q", "-f", "qcow2", dev, "16M").ok();
        shell.run("image:io", "-c", "write -q -P 0x44 15M 1M", dev).ok();
        assertEquals("Image resized.\n", shell.run("image:resize", dev, "1G").ok().out());
        assertEquals(1L << 30, info(dev).get("virtual-size").getAsLong());
        q.io("-c", "read -q -P 0x44 15M 1M", "-c", "read -q -P 0 16M 1M", "-c", "read -q -P 0 1023M 1M", dev);
        q.assertClean(dev);
        shell.run("image:resize", "--shrink", dev, "15M").ok();
        assertEquals(15 << 20, info(dev).get("virtual-size").getAsLong());
        q.assertClean(dev);
        assertEquals(DEVICE, deviceSize());

        String before = q.img("info", "--output=json", dev);
        Shell.Result r = shell.run("image:resize", "--preallocation=metadata", dev, "100M");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("the device is too small"), r.err());
        assertEquals(before, q.img("info", "--output=json", dev), "the image is untouched");
        shell.run("image:resize", "--preallocation=metadata", dev, "24M").ok();
        q.io("-c", "read -q -P 0 15M 9M", dev);
        q.assertClean(dev);
    }

    @Test
    void convertWritesIntoTheDevice() {
        q.img("create", "-q", "-f", "qcow2", "src.qcow2", "24M");
        q.io("-c", "write -q -P 0x66 0 3M", "-c", "write -q -P 0x77 10M 64k", "-c", "write -q -z 12M 1M",
                "src.qcow2");
        q.img("create", "-q", "-f", "qcow2", dev, "24M");
        shell.run("image:convert", "-n", "-O", "qcow2", "src.qcow2", dev).ok();
        q.assertClean(dev);
        q.assertSameContent("src.qcow2", dev);

        shell.run("image:convert", "-O", "qcow2", "-o", "cluster_size=4k", "src.qcow2", dev).ok();
        q.assertClean(dev);
        q.assertSameContent("src.qcow2", dev);
        assertEquals(4096, info(dev).get("cluster-size").getAsLong());
        assertEquals(DEVICE, deviceSize());

        // more data than the device holds: refused when the device is full, the image stays consistent
        q.img("create", "-q", "-f", "qcow2", "big.qcow2", "48M");
        q.io("-c", "write -q -P 0x88 0 40M", "big.qcow2");
        q.img("create", "-q", "-f", "qcow2", dev, "48M");
        Shell.Result r = shell.run("image:convert", "-n", "-O", "qcow2", "big.qcow2", dev);
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(dev + ": the device is too small"), r.err());
        q.assertClean(dev);
    }

    @Test
    void rawOnTheDeviceAsQemuImg() throws IOException {
        q.img("create", "-q", "-f", "qcow2", dev, "8M");
        Path theirsFile = dir.resolve("theirs-lv");
        String theirs = loops.attach(theirsFile, DEVICE);
        q.io("-f", "raw", "-c", "write -q -P 0x55 0 32M", theirs);
        q.img("create", "-q", "-f", "qcow2", theirs, "8M");
        for (String[] args : new String[][] {{"16M"}, {"64M"}, {"-o", "preallocation=full", "16M"},
            {"-o", "preallocation=falloc", "1M"}, {"32M"}}) {
            QemuTools.Result expected = q.run(Qemu.prepend("qemu-img", Qemu.concat(List.of("create", "-f",
                    "raw", theirs), args)));
            Shell.Result actual = shell.run("image:create", Qemu.concat(List.of("-f", "raw", dev), args));
            String what = String.join(" ", args);
            assertEquals(expected.exitCode(), actual.status(), what + ": " + actual.err());
            if (expected.exitCode() == 0) {
                assertEquals(expected.stdout().replace(theirs, dev), actual.out(), what);
            } else {
                String first = expected.stderr().lines().findFirst().orElseThrow().replace(theirs, dev);
                assertTrue(actual.err().startsWith(Qemu.asStrata(first, "image:create")), actual.err());
            }
            // the first sector is zeroed: the qcow2 that was there is gone, the device is probed as raw
            assertEquals(q.img("info", "--output=json", theirs).replace(theirs, dev),
                    q.img("info", "--output=json", dev), what);
        }
        assertEquals(DEVICE, deviceSize());
        q.assertSameContent(theirs, dev);
    }
}
