package org.strata.format.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.FileContext;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Hostile and broken images, each tried with qemu-img too: where qemu-img refuses an image, Strata refuses it with
 * one clear line within a second and in bounded memory (nothing is allocated by a header's claim: the test JVM
 * could not hold what a naive reader would allocate for these sizes); where qemu-img accepts it, Strata reads the
 * same bytes. The base image is qemu-img's 1 MiB monolithicSparse: header, embedded descriptor at sector 1, backup
 * grain directory at sector 21, its grain table at 22, grain directory at 26, grain table at 27, grains from 128.
 */
class HostileImagesTest {

    private static final Duration LIMIT = Duration.ofSeconds(2);

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() {
        img = dir.resolve("h.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", img, "1M");
        QemuTools.qemuIo("-c", "write -P 1 0 64k", "-c", "write -P 2 512k 64k", img);
    }

    private void poke(Path file, long offset, long value, int bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
            f.write(b.array(), 0, bytes);
        }
    }

    private void poke(long offset, long value, int bytes) throws IOException {
        poke(img, offset, value, bytes);
    }

    /** qemu-img refuses {@code image} saying {@code qemuWords}; Strata too, saying {@code words}, in time. */
    private static void assertBothRefuse(Path image, String qemuWords, String words, boolean writable) {
        QemuTools.Result q = writable ? QemuTools.run("qemu-io", "-f", "vmdk", "-c", "read 0 512", image)
                : QemuTools.run("qemu-img", "convert", "-f", "vmdk", "-O", "raw", image, image + ".out");
        assertNotEquals(0, q.exitCode(), "qemu accepts " + image);
        assertTrue(q.stderr().contains(qemuWords), q.stderr());
        IOException e = assertTimeoutPreemptively(LIMIT, () -> assertThrows(IOException.class, () -> {
            try (FormatAccess a = TestContext.open(image, writable)) {
                Qemu.readAll(a);
            }
        }));
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /** qemu-img reads {@code image}; Strata reads the same bytes, in time. */
    private static void assertBothRead(Path image) {
        byte[] expected = Qemu.raw(image);
        assertTimeoutPreemptively(LIMIT, () -> Qemu.assertReads(image, expected));
    }

    /** The time limits are for the driver's work, not for loading the file backend's native parts. */
    @BeforeAll
    static void warmUp(@TempDir Path tmp) throws IOException {
        Path warm = tmp.resolve("warm.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", warm, "64k");
        Qemu.assertReadsLikeQemu(warm);
    }

    @Test
    void zeroGrainSize() throws IOException {
        poke(20, 0, 8);
        assertBothRefuse(img, "L1 entry size is invalid", "L1 entry size is invalid", false);
    }

    @Test
    void hugeGrainSize() throws IOException {
        poke(20, 0x200001, 8);
        assertBothRefuse(img, "Invalid granularity", "Invalid granularity, image may be corrupt", false);
    }

    @Test
    void grainSizeNotAPowerOfTwoStillReads() throws IOException {
        poke(20, 3, 8);
        assertBothRead(img);
    }

    @Test
    void hugeGrainTables() throws IOException {
        poke(44, 513, 4);
        assertBothRefuse(img, "L2 table size too big", "L2 table size too big", false);
        poke(44, 0, 4);
        assertBothRefuse(img, "L1 entry size is invalid", "L1 entry size is invalid", false);
    }

    @Test
    void unknownVersion() throws IOException {
        poke(4, 4, 4);
        assertBothRefuse(img, "Unsupported VMDK version 4", "Unsupported VMDK version 4", false);
    }

    @Test
    void versionThreeWithoutCompressionIsReadOnly() throws IOException {
        poke(4, 3, 4);
        assertBothRefuse(img, "VMDK version 3 must be read only", "VMDK version 3 must be read only", true);
        assertBothRead(img);
    }

    @Test
    void truncatedFile() throws IOException {
        poke(64, 100_000, 8);
        assertBothRefuse(img, "File truncated, expecting at least 51200000 bytes",
                "File truncated, expecting at least 51200000 bytes", false);
    }

    @Test
    void hugeCapacity() throws IOException {
        poke(12, 1L << 60, 8);
        assertBothRefuse(img, "File too large", "File too large", false);
    }

    @Test
    void grainDirectoryTooLarge() throws IOException {
        poke(12, 1L << 45, 8); // 2^29 grain tables
        QemuTools.Result q = QemuTools.run("qemu-img", "info", img);
        assertTrue(q.stderr().contains("L1 size too big"), q.stderr());
        IOException e = assertThrows(IOException.class, () -> TestContext.open(img, false).close());
        assertTrue(e.getMessage().contains("L1 size too big"), e.getMessage());
    }

    @Test
    void tablesPastTheEndOfTheFileReadAsUnallocated() throws IOException {
        poke(26 * 512, 99_999, 4); // the grain table past the end
        assertBothRead(img);
        poke(26 * 512, 27, 4);
        poke(56, 100_000, 8); // the grain directory past the end
        assertBothRead(img);
    }

    @Test
    void grainDirectoryOffsetsWrapAroundAsInQemu() throws IOException {
        poke(56, 1L << 62, 8); // gd_offset << 9 wraps to 0: the header is read as the grain directory
        poke(48, 1L << 62, 8);
        assertBothRead(img);
    }

    @Test
    void grainsPastTheEndReadAsZeroesAndFailTheCheck() throws IOException {
        poke(27 * 512 + 8 * 4, 999_999, 4);
        assertBothRead(img);
        QemuTools.Result q = QemuTools.run("qemu-img", "check", img);
        assertEquals(1, q.exitCode());
        assertTrue(q.stderr().contains("ERROR: cluster offset for sector 1024 points after EOF"), q.stderr());
        try (FormatAccess a = TestContext.open(img, false)) {
            IOException e = assertThrows(IOException.class, () -> a.check(RepairMode.NONE));
            assertEquals("cluster offset for sector 1024 points after EOF (Invalid argument)", e.getMessage());
        }
    }

    @Test
    void checkOfAGrainDirectoryListingOneGrainTableMillionsOfTimesEndsQuickly() throws IOException {
        Path big = dir.resolve("big.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", big, "32T"); // 1 Mi grain tables, in a sparse file
        long gd;
        gd = TestContext.firstSparseHeader(big).gdOffset * 512;
        int tables = 1 << 20;
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.seek(gd);
            long gt = Integer.reverseBytes(f.readInt());
            ByteBuffer t = ByteBuffer.allocate(tables * 4).order(ByteOrder.LITTLE_ENDIAN);
            while (t.hasRemaining()) {
                t.putInt((int) gt);
            }
            f.seek(gd);
            f.write(t.array());
            ByteBuffer entries = ByteBuffer.allocate(512 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 512; i++) {
                entries.putInt(i == 511 ? 7 : 0); // one grain inside the file, at the end of each table's range
            }
            f.seek(gt * 512);
            f.write(entries.array());
        }
        CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try (FormatAccess a = TestContext.open(big, false)) {
                return a.check(RepairMode.NONE);
            }
        });
        assertEquals(0, r.corruptions());
    }

    /**
     * The mapping at the start of a 32 TiB image (qemu-img's: a grain table for every 32 MiB, all empty) comes
     * quickly and without garbage by the grain: one lookup joins a bounded number of grains (a fuzzing finding:
     * joining all 512 Mi unallocated grains took seconds and GiBs of short-lived objects).
     */
    @Test
    void aMappingOverTerabytesOfEmptyGrainTablesIsBounded() throws IOException {
        Path big = dir.resolve("big.vmdk");
        QemuTools.qemuImg("create", "-f", "vmdk", big, "32T");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Storage s = TestContext.FILES.open(big.toString(), StorageOptions.READ_ONLY);
             FileContext ctx = new FileContext(TestContext.FILES, TestContext.FORMATS, big.toString(), false, false);
             FormatImage image = new VmdkFormatDriver().open(s, ctx)) {
            image.getMapping(0, 1 << 20); // loads what a first lookup loads
            ShallowMapping m = assertTimeoutPreemptively(LIMIT, () -> {
                long before = threads.getCurrentThreadAllocatedBytes();
                ShallowMapping first = image.getMapping(0, image.size());
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertTrue(allocated < (4 << 20), "one lookup allocated " + allocated + " bytes");
                return first;
            });
            assertEquals(new ShallowMapping.Zero(false, m.length()), m);
            assertTrue(m.length() >= 1 << 20 && m.length() < image.size(), "length " + m.length());
        }
    }

    private Path descriptor(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n" + body);
        return p;
    }

    @Test
    void descriptorsQemuRefuses() throws IOException {
        Files.write(dir.resolve("f.flat"), Patterns.filled(1 << 20, 7).array());
        String flat = "createType=\"monolithicFlat\"\n";
        assertBothRefuse(descriptor("huge.vmdk", flat + "RW 36028797018963967 FLAT \"f.flat\" 0\n"),
                "File too large", "File too large", false);
        assertBothRefuse(descriptor("two.vmdk", flat + "RW 18014398509481983 FLAT \"f.flat\" 0\n"
                + "RW 18014398509481983 FLAT \"f.flat\" 0\n"), "File too large", "File too large", false);
        assertBothRefuse(descriptor("nooffset.vmdk", flat + "RW 2048 FLAT \"f.flat\"\n"),
                "Invalid extent line: RW 2048 FLAT \"f.flat\"", "Invalid extent line: RW 2048 FLAT \"f.flat\"", false);
        assertBothRefuse(descriptor("sparse5.vmdk", flat + "RW 2048 SPARSE \"f.flat\" 0\n"),
                "Invalid extent line", "Invalid extent line: RW 2048 SPARSE \"f.flat\" 0", false);
        assertBothRefuse(descriptor("notvmdk.vmdk", flat + "RW 2048 SPARSE \"f.flat\"\n"),
                "Image not in VMDK format", "Image not in VMDK format", false);
        assertBothRefuse(descriptor("notype.vmdk", "RW 2048 FLAT \"f.flat\" 0\n"),
                "invalid VMDK image descriptor", "invalid VMDK image descriptor", false);
        assertBothRefuse(descriptor("badtype.vmdk", "createType=\"monolithicSparse\"\nRW 2048 FLAT \"f.flat\" 0\n"),
                "Unsupported image type 'monolithicSparse'", "Unsupported image type 'monolithicSparse'", false);
        assertBothRefuse(descriptor("missing.vmdk", flat + "RW 2048 FLAT \"nothere.flat\" 0\n"),
                "No such file or directory", "No such file", false);
        Path noParentCid = dir.resolve("noparentcid.vmdk");
        Files.writeString(noParentCid, "version=1\nCID=5\n" + flat + "RW 2048 FLAT \"f.flat\" 0\n");
        assertBothRefuse(noParentCid, "Invalid argument", "Invalid argument", false);
    }

    @Test
    void descriptorsQemuCannotHandleAreRefusedQuickly() throws IOException {
        Files.write(dir.resolve("f.flat"), Patterns.filled(1 << 20, 7).array());
        // no extent QEMU uses: qemu-img fails an assertion (SIGABRT)
        Path none = descriptor("none.vmdk", "createType=\"monolithicFlat\"\nRW 2048 ZERO\nRW -5 FLAT \"f.flat\" 0\n");
        assertEquals(134, QemuTools.run("qemu-img", "info", none).exitCode());
        IOException e = assertThrows(IOException.class, () -> TestContext.open(none, false).close());
        assertTrue(e.getMessage().contains("no extents"), e.getMessage());
        // a sparse file whose header says "descriptor only", naming itself: qemu-img recurses until killed
        poke(12, 0, 8);
        byte[] desc = ("# Disk DescriptorFile\nversion=1\nCID=1\nparentCID=ffffffff\n"
                + "createType=\"twoGbMaxExtentSparse\"\nRW 2048 SPARSE \"h.vmdk\"\n").getBytes();
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(512);
            f.write(java.util.Arrays.copyOf(desc, 10240));
        }
        assertEquals(124, QemuTools.run("timeout", "3", "qemu-img", "info", img).exitCode());
        e = assertTimeoutPreemptively(LIMIT, () -> assertThrows(IOException.class,
                () -> TestContext.open(img, false).close()));
        assertTrue(e.getMessage().contains("may not be a descriptor itself"), e.getMessage());
    }

    @Test
    void descriptorsQemuReads() throws IOException {
        Files.write(dir.resolve("f.flat"), Patterns.random(new java.util.Random(1), 1 << 20));
        String flat = "createType=\"monolithicFlat\"\n";
        assertBothRead(descriptor("pastend.vmdk", flat + "RW 2048 FLAT \"f.flat\" 4000\n"));
        // without a CID line, QEMU finds "CID" inside "parentCID"; extent lines may run over line ends (sscanf)
        Path quirks = dir.resolve("quirks.vmdk");
        Files.writeString(quirks, "version=1\nparentCID=ffffffff\n" + flat + "RW\n1000 FLAT\n\"f.flat\"\n3\n");
        assertBothRead(quirks);
        try (FormatAccess a = TestContext.open(quirks, false)) {
            assertEquals(0xffffffffL, a.info().formatSpecific().get("cid"));
            assertEquals(1000 * 512L, a.size());
        }
        // sscanf skips newlines: a blank line right before an extent line reads as that line, which counts twice
        Path twice = descriptor("twice.vmdk", flat + "\nRW 2048 FLAT \"f.flat\" 0\n");
        assertBothRead(twice);
        try (FormatAccess a = TestContext.open(twice, false)) {
            assertEquals(2L << 20, a.size());
        }
        Path tiny = dir.resolve("tiny.vmdk");
        Files.write(tiny, new byte[] {'K', 'D'});
        assertBothRefuse(tiny, "invalid VMDK image descriptor", "invalid VMDK image descriptor", false);
    }

    @Test
    void brokenCompressedGrains() throws IOException {
        Path raw = dir.resolve("src.raw");
        Files.write(raw, Patterns.random(new java.util.Random(2), 256 << 10));
        Path stream = dir.resolve("s.vmdk");
        QemuTools.qemuImg("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, stream);
        long grain;
        grain = TestContext.firstSparseHeader(stream).grainOffset * 512;
        poke(stream, grain + 12, 0x1234567890L, 8); // garbage instead of deflate data
        assertBothRefuse(stream, "error while reading", "deflate", false);
        QemuTools.qemuImg("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, stream);
        poke(stream, grain + 8, 0x7fffffff, 4); // a marker claiming 2 GiB of compressed data
        assertBothRefuse(stream, "error while reading", "invalid compressed grain", false);
    }

    @Test
    void streamsWithABrokenFooter() throws IOException {
        poke(56, -1L, 8); // the grain directory "at the end": the footer must be there
        assertBothRefuse(img, "Invalid footer", "Invalid footer", false);
    }

    @Test
    void escSparseExtentsWithoutGrainSize() throws IOException {
        CowdFile.write(dir.resolve("d.cowd"), 2048, 8, new java.util.Random(3));
        poke(dir.resolve("d.cowd"), 16, 0, 4);
        Path d = descriptor("cowd.vmdk", "createType=\"vmfsSparse\"\nRW 2048 VMFSSPARSE \"d.cowd\"\n");
        IOException e = assertTimeoutPreemptively(LIMIT, () -> assertThrows(IOException.class,
                () -> TestContext.open(d, false).close()));
        assertTrue(e.getMessage().contains("L1 entry size is invalid"), e.getMessage());
    }

    @Test
    void anEntryOfOneIsDataWithoutZeroedGrains() throws IOException {
        // a grain table entry saying "zeroed" in an image without zeroed grains is data at sector 1: as QEMU
        poke(27 * 512 + 4 * 4, 1, 4);
        assertBothRead(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            a.write(Patterns.filled(4096, 3), 5 * 65536);
            assertArrayEquals(Patterns.filled(4096, 3).array(), read(a, 5 * 65536, 4096));
        }
        assertEquals(0, QemuTools.run("qemu-img", "check", img).exitCode());
    }

    private static byte[] read(FormatAccess a, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        a.read(b, offset);
        return b.array();
    }
}
