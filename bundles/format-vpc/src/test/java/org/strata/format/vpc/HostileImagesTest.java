package org.strata.format.vpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Broken and hostile VHDs, generated from a small qemu-img image: where qemu-img refuses one, Strata refuses it
 * too, with qemu's words, within seconds and without allocating what a header claims; where qemu-img accepts
 * one, Strata reads the same bytes. Writes that would land on the image's own metadata are refused.
 */
class HostileImagesTest {

    /** The base image: dynamic, 4 MiB (4.02 with its geometry), its footer copy at 0, header at 512, table at 1536. */
    private static final int HEADER = 512;
    private static final int TABLE = 1536;

    @TempDir
    Path dir;
    Path base;

    @BeforeEach
    void makeBase() {
        base = dir.resolve("base.vhd");
        QemuTools.qemuImg("create", "-q", "-f", "vpc", base.toString(), "4M");
        QemuTools.qemuIo("-f", "vpc", "-c", "write -P 7 0 1M", "-c", "write -P 9 3M 4k", base.toString());
    }

    /** A change of the base image's bytes. */
    private interface Change {
        void apply(ByteBuffer image);
    }

    private record Case(String name, Change change) {
    }

    private static Case footer(String name, Change change) {
        return new Case(name, b -> {
            change.apply(b);
            fixChecksum(b, 0);
        });
    }

    private static void fixChecksum(ByteBuffer b, int footerAt) {
        byte[] f = new byte[512];
        b.get(footerAt, f);
        b.putInt(footerAt + 64, Footer.checksum(f, 64));
    }

    private static Change creator(String app, long currentSize) {
        return b -> {
            b.put(28, app.getBytes(StandardCharsets.ISO_8859_1));
            b.putLong(48, currentSize);
        };
    }

    private static List<Case> cases() {
        return List.of(
                new Case("bad checksum", b -> b.putInt(64, 0x01020304)),
                footer("differencing disk", b -> b.putInt(60, 4)),
                footer("unknown disk type", b -> b.putInt(60, 9)),
                footer("fixed type with the footer at the start", b -> b.putInt(60, Footer.TYPE_FIXED)),
                footer("header far away", b -> b.putLong(16, 1L << 40)),
                footer("header at an offset qemu cannot read", b -> b.putLong(16, -1L)),
                footer("largest geometry: current_size counts", b -> b.putInt(56, 0xffff10ff)),
                footer("geometry larger than the table", b -> b.putInt(56, 0xffffffff)),
                footer("Hyper-V's creator", creator("win ", 3 << 20)),
                footer("Hyper-V's creator, too large", creator("win ", 1L << 50)),
                footer("disk2vhd", creator("d2v ", 3 << 20)),
                footer("XenServer", creator("tap\0", (3 << 20) + 512)),
                footer("not XenServer", creator("tap ", 3 << 20)),
                footer("XenConverter", creator("CTXS", 1 << 20)),
                footer("qemu's force_size", creator("qem2", 3_000_000)),
                new Case("bad header magic", b -> b.put(HEADER + 7, (byte) '_')),
                new Case("block size not a power of two", b -> b.putInt(HEADER + 32, 1000)),
                new Case("block size zero", b -> b.putInt(HEADER + 32, 0)),
                new Case("block size below a sector", b -> b.putInt(HEADER + 32, 256)),
                new Case("blocks too small for the disk", b -> b.putInt(HEADER + 32, 512)),
                new Case("huge table", b -> b.putInt(HEADER + 28, 0x7fffffff)),
                new Case("negative table size", b -> b.putInt(HEADER + 28, -1)),
                new Case("table larger than qemu reads", b -> b.putInt(HEADER + 28, 0x1fffffff)),
                new Case("table past the end of the file", b -> b.putInt(HEADER + 28, 0x4000000)),
                new Case("empty table", b -> b.putInt(HEADER + 28, 0)),
                new Case("table far away", b -> b.putLong(HEADER + 16, 1L << 40)),
                new Case("table at an offset qemu cannot read", b -> b.putLong(HEADER + 16, 0xffffffffffff0000L)),
                new Case("block past the end of the file", b -> b.putInt(TABLE, 0x7fffffff)),
                new Case("block on the header", b -> b.putInt(TABLE, 0)),
                new Case("block on the table", b -> b.putInt(TABLE + 4, 2)));
    }

    @TestFactory
    List<DynamicTest> everyCaseEndsAsInQemu() throws IOException {
        byte[] original = Files.readAllBytes(base);
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                ByteBuffer b = ByteBuffer.wrap(original.clone());
                c.change().apply(b);
                Path img = dir.resolve("case.vhd");
                Files.write(img, b.array());
                assertLikeQemu(img);
            }));
        }
        return tests;
    }

    @Test
    void truncatedFiles() throws IOException {
        byte[] original = Files.readAllBytes(base);
        for (int length : new int[] {0, 300, 511, 1024, 2048, original.length - 4096, original.length - 512}) {
            Path img = dir.resolve("cut" + length + ".vhd");
            Files.write(img, java.util.Arrays.copyOf(original, length));
            assertLikeQemu(img);
        }
    }

    @Test
    void fixedDisksWithBadFooters() throws IOException {
        Path fixed = dir.resolve("fixed.vhd");
        QemuTools.qemuImg("create", "-q", "-f", "vpc", "-o", "subformat=fixed", fixed.toString(), "1M");
        QemuTools.qemuIo("-f", "vpc", "-c", "write -P 3 0 64k", fixed.toString());
        byte[] original = Files.readAllBytes(fixed);
        int footer = original.length - 512;

        ByteBuffer saysDynamic = ByteBuffer.wrap(original.clone()).putInt(footer + 60, Footer.TYPE_DYNAMIC);
        fixChecksum(saysDynamic, footer);
        assertLikeQemu(write("says-dynamic.vhd", saysDynamic));

        ByteBuffer noCookie = ByteBuffer.wrap(original.clone()).put(footer, (byte) 'C');
        assertLikeQemu(write("no-cookie.vhd", noCookie));

        // a geometry larger than the file: the disk reads on past the footer, as zeroes past the end
        ByteBuffer larger = ByteBuffer.wrap(original.clone()).putInt(footer + 56, (20 << 16) | (16 << 8) | 63);
        fixChecksum(larger, footer);
        Path img = write("larger.vhd", larger);
        assertLikeQemu(img);
        try (FormatAccess a = Vhd.open(img, true)) {
            assertEquals(20L * 16 * 63 * 512, a.size());
            a.write(Patterns.filled(4096, 1), footer - 4096);
            assertThrows(ImageFormatException.class, () -> a.write(Patterns.filled(512, 1), footer));
            assertThrows(ImageFormatException.class, () -> a.write(Patterns.filled(512, 1), 4L << 20));
        }
        assertEquals(original.length, Files.size(img), "the footer stays the file's last sector");
    }

    /** A block the table places on the header reads what qemu reads there, and is never written. */
    @Test
    void blocksOnMetadataAreReadButNotWritten() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(base)).putInt(TABLE, 0);
        Path img = write("on-header.vhd", b);
        try (FormatAccess a = Vhd.open(img, true)) {
            assertThrows(ImageFormatException.class, () -> a.write(Patterns.filled(512, 1), 4096));
            assertThrows(ImageFormatException.class, () -> a.writeZeroes(0, 512));
            a.write(Patterns.filled(512, 1), 3 << 20);
        }
        assertArrayEquals(java.util.Arrays.copyOf(b.array(), TABLE + 512),
                java.util.Arrays.copyOf(Files.readAllBytes(img), TABLE + 512), "nothing of the metadata changed");
    }

    /**
     * A table of 16 million entries (64 MiB, in a sparse file) for a disk of 512-byte blocks: Strata opens it
     * within seconds allocating a bounded part of it (a fuzzing finding: the scan for the end of the blocks took
     * a new MiB per MiB of table), and reads what qemu reads.
     */
    @Test
    void aHugeTableInASparseFileIsReadInBoundedMemory() throws IOException {
        // the footer copy, the header and the table's first sector; the rest of the table is a hole (zeroes)
        ByteBuffer b = ByteBuffer.wrap(java.util.Arrays.copyOf(Files.readAllBytes(base), TABLE + 512));
        creator("win ", 1L << 30).apply(b);
        fixChecksum(b, 0);
        int entries = 1 << 24;
        b.putInt(HEADER + 28, entries).putInt(HEADER + 32, 512);
        Path img = write("huge-table.vhd", b);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(TABLE + 4L * entries + 512);
        }
        byte[] head = ddQemu(img, 0);
        byte[] middle = ddQemu(img, 700);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            try (FormatAccess a = Vhd.open(img, false)) {
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertTrue(allocated < (8 << 20), "opening allocated " + allocated + " bytes");
                assertEquals(1L << 30, a.size());
                assertArrayEquals(head, read(a, 0, head.length));
                assertArrayEquals(middle, read(a, 700L << 20, middle.length));
            }
        });
    }

    /** Four MiB of the guest from {@code mib} MiB on, as qemu-img dd reads them. */
    private byte[] ddQemu(Path img, int mib) {
        Path out = dir.resolve("dd.raw");
        QemuTools.qemuImg("dd", "-f", "vpc", "-O", "raw", "bs=1M", "count=4", "skip=" + mib, "if=" + img,
                "of=" + out);
        return QemuTools.readFile(out);
    }

    private Path write(String name, ByteBuffer content) throws IOException {
        Path img = dir.resolve(name);
        Files.write(img, content.array());
        return img;
    }

    private static byte[] read(FormatAccess a, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        a.read(b, offset);
        return b.array();
    }

    /**
     * Refused by both with the same words (Strata's message is qemu's after "Could not open 'FILE': "), or
     * read by both as the same bytes; within seconds either way.
     */
    private void assertLikeQemu(Path img) {
        QemuTools.Result q = QemuTools.run("qemu-img", "info", "-f", "vpc", "--output=json", img.toString());
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            if (q.exitCode() != 0) {
                ImageFormatException e = assertThrows(ImageFormatException.class, () -> Vhd.open(img, false).close());
                String expected = q.stderr().trim().replaceFirst("^qemu-img: (Could not open '[^']*': )+", "");
                assertEquals(expected, e.getMessage());
            } else {
                Matcher m = Pattern.compile("\"virtual-size\": (\\d+)").matcher(q.stdout());
                assertTrue(m.find(), q.stdout());
                byte[] expected = Vhd.qemuRaw(img);
                try (FormatAccess a = Vhd.open(img, false)) {
                    assertEquals(Long.parseLong(m.group(1)), a.size());
                    byte[] got = Vhd.readAll(a);
                    int diff = Patterns.firstDifference(expected, 0, got, 0, expected.length);
                    assertEquals(-1, diff, "first difference at byte " + diff);
                }
            }
        });
    }
}
