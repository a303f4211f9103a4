package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;
import org.strata.testkit.StandaloneContext;

/**
 * Images with 4 KiB logical sectors, as Hyper-V makes them (QEMU 7.2 opens only 512-byte sectors, so 7-Zip, which
 * reads VHDX on its own, is the independent reader here): what Strata writes, 7-Zip extracts; vhdiinfo (libvhdi)
 * reads the geometry.
 */
class FourKSectorsTest {

    @TempDir
    Path dir;

    private byte[] extracted(Path image) throws IOException {
        Path out = dir.resolve("x");
        QemuTools.run("7zz", "x", "-y", "-o" + out, image.toString()).ok();
        try (var files = Files.list(out)) {
            Path only = files.findFirst().orElseThrow();
            byte[] data = Files.readAllBytes(only);
            Files.delete(only);
            return data;
        }
    }

    @Test
    void writtenImagesAreReadTheSameByAnotherImplementation() throws IOException {
        Path image = dir.resolve("4k.vhdx");
        byte[] model = new byte[10 << 20];
        Images.create(image, model.length, Map.of("block_size", "1M"), 4096);
        Random rnd = new Random(4);
        try (Storage s = Images.FILES.open(image.toString(), StorageOptions.READ_ONLY);
             VhdxImage v = VhdxImage.open(s, new StandaloneContext(image.toString(), false))) {
            assertEquals(4096, v.zeroGranularity());
        }
        try (FormatAccess a = Images.open(image, true)) {
            for (int i = 0; i < 40; i++) {
                int off = rnd.nextInt(model.length - 70_000);
                byte[] d = Patterns.random(rnd, 1 + rnd.nextInt(70_000));
                a.write(ByteBuffer.wrap(d), off);
                System.arraycopy(d, 0, model, off, d.length);
            }
            a.discardToZero(4 << 20, 2 << 20);
            java.util.Arrays.fill(model, 4 << 20, 6 << 20, (byte) 0);
        }
        assertArrayEquals(model, extracted(image));
        String info = QemuTools.run("vhdiinfo", image.toString()).ok();
        assertTrue(info.contains("Bytes per sector\t: 4096"), info);
        assertTrue(info.contains("Media size\t\t: 10 MiB (10485760 bytes)"), info);
        try (FormatAccess a = Images.open(image, false)) {
            assertArrayEquals(model, Images.readAll(a));
        }
    }

    @Test
    void resizesKeepWholeSectors() throws IOException {
        Path image = dir.resolve("r.vhdx");
        Images.create(image, 3 << 20, Map.of(), 4096);
        try (FormatAccess a = Images.open(image, true)) {
            assertThrows(IllegalArgumentException.class, () -> a.resize((4 << 20) + 512, Preallocation.OFF));
            a.write(Patterns.filled(8192, 3), (3 << 20) - 8192);
            a.resize(5 << 20, Preallocation.OFF);
        }
        byte[] data = extracted(image);
        assertEquals(5 << 20, data.length);
        assertEquals(3, data[(3 << 20) - 1]);
        assertEquals(0, data[3 << 20]);
    }
}
