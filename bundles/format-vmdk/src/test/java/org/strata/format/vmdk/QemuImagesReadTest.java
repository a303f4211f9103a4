package org.strata.format.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;
import org.strata.api.ImageInfo;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Images qemu-img creates and qemu-io writes (patterns at scattered offsets, partial grains, zero writes), in every
 * subformat and with hand-written descriptors of several extents: Strata reads them byte for byte as qemu-img
 * convert -O raw does; then Strata writes into them and qemu-img finds them clean and equal to what was written.
 */
class QemuImagesReadTest {

    @TempDir
    Path dir;

    /** Data, partial grains, zero writes and an unaligned tail, as qemu-io writes them. */
    private static void fill(Path img) {
        QemuTools.qemuIo("-f", "vmdk",
                "-c", "write -P 0x11 0 64k",
                "-c", "write -P 0x22 100k 300k",
                "-c", "write -P 0x33 1000k 4k",
                "-c", "write -z 1100k 200k",
                "-c", "write -P 0x44 1500k 500k",
                "-c", "write -z 1600k 128k",
                "-c", "write -P 0x55 3M 7",
                "-c", "write -P 0x66 3700k 300k",
                img);
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=monolithicSparse", "zeroed_grain=on", "adapter_type=lsilogic,compat6=on",
        "subformat=monolithicFlat", "subformat=twoGbMaxExtentSparse", "subformat=twoGbMaxExtentSparse,zeroed_grain=on",
        "subformat=twoGbMaxExtentFlat", "hwversion=10,toolsversion=12"})
    void qemuWrittenImagesReadIdenticallyAndStayCleanAfterStrataWrites(String options) throws IOException {
        Path img = dir.resolve("img.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", "-o", options, img, "4M");
        fill(img);
        Qemu.assertReadsLikeQemu(img);
        byte[] model = Qemu.raw(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            StrataImagesQemuTest.randomWrites(a, model, new Random(options.hashCode()), 30);
        }
        Qemu.assertQemuSees(img, model);
        Qemu.assertReadsLikeQemu(img);
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=streamOptimized", "subformat=streamOptimized,zeroed_grain=on"})
    void streamOptimizedImagesReadIdentically(String options) throws IOException {
        Path src = dir.resolve("src.raw");
        QemuTools.qemuImg("create", "-f", "raw", src, "4M");
        QemuTools.qemuIo("-f", "raw", "-c", "write -P 0x11 0 64k", "-c", "write -P 0x22 100k 300k",
                "-c", "write -P 0x33 1000k 4k", "-c", "write -P 0x55 3M 7", "-c", "write -P 0x66 3700k 396k", src);
        Path img = dir.resolve("stream.vmdk");
        QemuTools.qemuImg("convert", "-O", "vmdk", "-o", options, src, img);
        Qemu.assertReadsLikeQemu(img);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertEquals("streamOptimized", a.info().formatSpecific().get("create-type"));
        }
    }

    /**
     * A stream as VMware writes it (inside OVA files): the header says the grain directory is at the end, and the
     * footer (a footer marker, the real header, an end-of-stream marker) says where. Read as QEMU reads it; writes
     * are refused, since appending grains would bury the footer.
     */
    @Test
    void streamsWithTheirGrainDirectoryInTheFooterReadIdentically() throws IOException {
        Path src = dir.resolve("src.raw");
        Files.write(src, java.util.Arrays.copyOf(Patterns.random(new Random(4), 1 << 20), 2 << 20));
        Path img = dir.resolve("ova-disk.vmdk");
        QemuTools.qemuImg("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", src, img);
        byte[] file = Files.readAllBytes(img);
        ByteBuffer footer = ByteBuffer.allocate(1536).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        footer.putInt(12, 3); // footer marker
        footer.put(512, file, 0, 79); // the real header
        ByteBuffer header = ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        header.putLong(56, -1L); // grain directory: at the end
        byte[] vmware = java.util.Arrays.copyOf(file, file.length + 1536);
        System.arraycopy(footer.array(), 0, vmware, file.length, 1536);
        Files.write(img, vmware);
        Qemu.assertReadsLikeQemu(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            IOException e = assertThrows(IOException.class, () -> a.write(Patterns.filled(65536, 1), 3 << 19));
            assertTrue(e.getMessage().contains("grain directory lies at its end"), e.getMessage());
        }
    }

    @Test
    void backingChainsWithRelativeNamesReadIdentically() throws IOException {
        Path base = dir.resolve("base.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", base, "4M");
        QemuTools.qemuIo("-c", "write -P 0x01 0 4M", base);
        Files.createDirectories(dir.resolve("sub"));
        Path mid = dir.resolve("sub/mid.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", "-o", "zeroed_grain=on", "-b", "../base.vmdk", "-F", "vmdk", mid);
        QemuTools.qemuIo("-c", "write -P 0x02 1M 1M", "-c", "write -z 1280k 64k", "-c", "write -P 0x03 2100k 5000", mid);
        Path top = dir.resolve("sub/top.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", "-b", "mid.vmdk", "-F", "vmdk", top);
        QemuTools.qemuIo("-c", "write -P 0x04 1500k 1M", "-c", "write -P 0x05 5000 3000", top);
        Qemu.assertReadsLikeQemu(top);
        try (FormatAccess a = TestContext.open(top, false)) {
            ImageInfo info = a.info();
            assertEquals("mid.vmdk", info.backingFilename());
            assertEquals("vmdk", info.backingFormat());
            assertTrue(a.backing().backing() != null, "the whole chain is open");
        }
        // Strata's writes into the top copy from the chain (grains partly written)
        byte[] model = Qemu.raw(top);
        try (FormatAccess a = TestContext.open(top, true)) {
            a.write(Patterns.filled(1000, 0x77), 3 * 65536 + 100);
            System.arraycopy(Patterns.filled(1000, 0x77).array(), 0, model, 3 * 65536 + 100, 1000);
        }
        Qemu.assertQemuSees(top, model);
    }

    @Test
    void aParentChangedAfterwardsFailsReadsThroughIt() throws IOException {
        Path base = dir.resolve("base.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", base, "4M");
        QemuTools.qemuIo("-c", "write -P 0x01 0 1M", base);
        Path child = dir.resolve("child.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", child);
        QemuTools.qemuIo("-c", "write -P 0x02 512k 64k", child);
        Qemu.assertReadsLikeQemu(child);
        QemuTools.qemuIo("-c", "write -P 0x03 2M 4k", base); // a new CID for the parent
        assertTrue(QemuTools.run("qemu-io", "-c", "read 0 4k", child).stdout().contains("Invalid argument"));
        try (FormatAccess a = TestContext.open(child, false)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> a.read(ByteBuffer.allocate(4096),
                    0));
            assertTrue(e.getMessage().contains("Invalid argument") && e.getMessage().contains("parent CID"),
                    e.getMessage());
            ByteBuffer own = ByteBuffer.allocate(65536);
            a.read(own, 512 << 10);
            assertArrayEquals(Patterns.filled(65536, 0x02).array(), own.array(), "the child's own data reads");
        }
        // and so do Strata's writes to a parent: the child no longer matches it
        Path base2 = dir.resolve("base2.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", base2, "4M");
        Path child2 = dir.resolve("child2.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", "-b", "base2.vmdk", "-F", "vmdk", child2);
        QemuTools.qemuIo("-c", "read 0 4k", child2);
        try (FormatAccess a = TestContext.open(base2, true)) {
            a.write(Patterns.filled(512, 9), 0);
        }
        assertTrue(QemuTools.run("qemu-io", "-c", "read 0 4k", child2).stdout().contains("Invalid argument"));
    }

    /**
     * A descriptor of its own with several extents of every type QEMU reads: FLAT with an offset into its file,
     * a hosted sparse file, VMFS, an ESX sparse (COWD) file; lines QEMU skips (ZERO, read-only, comments); CRLF.
     */
    @Test
    void handWrittenDescriptorsWithSeveralExtentsReadIdentically() throws IOException {
        Random rnd = new Random(5);
        Files.write(dir.resolve("a.flat"), Patterns.random(rnd, 1 << 20));
        Path sparse = dir.resolve("b.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", "-o", "zeroed_grain=on", sparse, "1536K");
        QemuTools.qemuIo("-c", "write -P 0x21 0 100k", "-c", "write -z 128k 64k", "-c", "write -P 0x22 1000k 12345", sparse);
        Files.write(dir.resolve("c.flat"), Patterns.random(rnd, 300 * 512));
        CowdFile.write(dir.resolve("d.cowd"), 2048, 8, new Random(6));
        String desc = "# Disk DescriptorFile\r\n"
                + "version=1\r\n"
                + "CID=1234abcd\r\n"
                + "parentCID=ffffffff\r\n"
                + "createType=\"vmfs\"\r\n"
                + "\r\n"
                + "# Extent description\r\n"
                + "RW 1000 FLAT \"a.flat\" 16\r\n"
                + "RW 100 ZERO\r\n"
                + "RDONLY 2048 FLAT \"c.flat\" 0\r\n"
                + "RW 1 SPARSE \"b.vmdk\"\r\n"
                + "RW 300 VMFS \"c.flat\"\r\n"
                + "RW 2048 VMFSSPARSE \"d.cowd\"\r\n"
                + "\r\n"
                + "ddb.adapterType = \"lsilogic\"\r\n";
        Path img = dir.resolve("multi.vmdk");
        Files.writeString(img, desc);
        Qemu.assertReadsLikeQemu(img);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertEquals((1000 + 3072 + 300 + 2048) * 512L, a.size());
            assertEquals(0x1234abcdL, a.info().formatSpecific().get("cid"));
        }
        // Strata writes into every kind of extent; qemu-img sees what was written
        byte[] model = Qemu.raw(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            StrataImagesQemuTest.randomWrites(a, model, new Random(8), 40);
        }
        Qemu.assertQemuSees(img, model);
    }
}
