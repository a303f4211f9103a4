package org.strata.format.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.strata.testkit.QemuTools.qemuImg;
import static org.strata.testkit.QemuTools.qemuIo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.testkit.LoopDevices;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * VDI images on a host block device (a real 4 MiB loop device whose old content is 0x55): the device is never
 * resized, what does not fit is refused with one line before anything is written, and the old content never shows
 * through a dynamic image's blocks. Judged by qemu-img check and qemu-io on the device.
 */
class BlockDeviceTest {

    private static final int DEVICE = 4 << 20;

    @TempDir
    Path dir;
    private final LoopDevices loops = new LoopDevices();
    private Path dev;

    @BeforeEach
    void setUp() throws IOException {
        dev = Path.of(loops.attach(dir.resolve("lv"), DEVICE));
        qemuIo("-f", "raw", "-c", "write -q -P 0x55 0 4M", dev.toString());
    }

    @AfterEach
    void detach() {
        loops.detachAll();
    }

    @Test
    void aDynamicImageFillsTheDeviceAndNoMore() throws IOException {
        Images.create(dev, 8 << 20, Map.of());
        try (FormatAccess a = Images.open(dev, true)) {
            // data blocks 0, 1, 2 fit (the map takes the first KiB); block 3 would end past the device
            a.write(Patterns.filled(4096, 1), 0);
            a.write(Patterns.filled(4096, 2), 3 << 20);
            a.write(Patterns.filled(4096, 3), 5 << 20);
            IOException e = assertThrows(IOException.class, () -> a.write(Patterns.filled(4096, 4), 7 << 20));
            assertEquals(dev + ": the device is full: data block 3 would end at 4195328, the device holds 4194304"
                    + " bytes (a device is never resized)", e.getMessage());
            assertArrayEquals(new byte[4096], read(a, 7 << 20), "the refused block still reads as zeroes");
        }
        assertEquals("No errors were found on the image.\n", qemuImg("check", "-f", "vdi", dev.toString()));
        qemuIo("-f", "vdi", "-c", "read -P 1 0 4k", "-c", "read -P 2 3M 4k", "-c", "read -P 3 5M 4k",
                "-c", "read -P 0 4k 1020k", "-c", "read -P 0 7M 1M", dev.toString());
    }

    private static byte[] read(FormatAccess a, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        a.read(b, offset);
        return b.array();
    }

    @Test
    void whatDoesNotFitIsRefusedBeforeAnythingIsWritten() throws IOException {
        IOException e = assertThrows(IOException.class, () -> Images.create(dev, 8 << 20, Map.of("static", "on")));
        assertEquals(dev + ": Failed to statically allocate file: Cannot grow device files (the image needs 8389632"
                + " bytes, the device holds 4194304)", e.getMessage());
        e = assertThrows(IOException.class, () -> Images.create(dev, 20L << 40, Map.of()));
        assertEquals(dev + ": Error writing bmap: Cannot grow device files (the image needs 83886592 bytes, the"
                + " device holds 4194304)", e.getMessage());
        qemuIo("-f", "raw", "-c", "read -P 0x55 0 4M", dev.toString());
        assertFalse(QemuTools.run("qemu-img", "info", dev.toString()).stdout().contains("vdi"));
    }

    @Test
    void aStaticImageThatFitsLeavesTheDeviceAsLargeAsItWas() throws IOException {
        Images.create(dev, 3 << 20, Map.of("static", "on"));
        assertEquals("No errors were found on the image.\n", qemuImg("check", "-f", "vdi", dev.toString()));
        assertEquals(DEVICE, Long.parseLong(QemuTools.run("blockdev", "--getsize64", dev.toString()).ok().trim()));
        // as with qemu-img, a static image's blocks hold what the device held
        Images.assertSameAsQemu(dev);
        try (FormatAccess a = Images.open(dev, true)) {
            a.write(Patterns.filled(512, 7), 2 << 20);
        }
        qemuIo("-f", "vdi", "-c", "read -P 7 2M 512", "-c", "read -P 0x55 1M 4k", dev.toString());
    }
}
