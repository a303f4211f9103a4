package org.strata.format.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.format.vdi.HandMade.MIB;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;
import org.strata.api.RepairMode;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Broken and hostile VDI images, each made by hand and given to both qemu-img and Strata: where qemu-img refuses
 * one, Strata refuses it with the same words; where qemu-img reads one, Strata reads the same bytes and its check
 * reports the same findings. Everything ends within seconds, and nothing is allocated for what a header claims.
 */
class HostileImagesTest {

    private static final Duration QUICKLY = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private int counter;

    private Path write(HandMade image) throws IOException {
        return image.write(dir.resolve("h" + (counter++) + ".vdi"));
    }

    /** qemu-img refuses to open the image, and Strata refuses it with the same message. */
    private void bothRefuse(HandMade image, String message) throws IOException {
        Path img = write(image);
        QemuTools.Result q = QemuTools.run("qemu-img", "info", "-f", "vdi", img.toString());
        assertEquals(1, q.exitCode(), q.stdout());
        assertEquals("qemu-img: Could not open '" + img + "': " + message + "\n", q.stderr());
        ImageFormatException e = assertTimeoutPreemptively(QUICKLY,
                () -> assertThrows(ImageFormatException.class, () -> Images.open(img, false).close()));
        assertEquals(message, e.getMessage());
    }

    /** qemu-img reads the image, and Strata reads the same bytes. */
    private Path bothRead(HandMade image) throws IOException {
        Path img = write(image);
        assertTimeoutPreemptively(QUICKLY, () -> Images.assertSameAsQemu(img));
        return img;
    }

    @Test
    void headersQemuRefusesAreRefusedWithItsWords() throws IOException {
        bothRefuse(new HandMade(2).set(HandMade.SIGNATURE, 0x12345678), "Image not in VDI format (bad signature 12345678)");
        bothRefuse(new HandMade(2).set(HandMade.VERSION, 0x00010002), "unsupported VDI image (version 1.2)");
        bothRefuse(new HandMade(2).set(HandMade.VERSION, 0x00070000), "unsupported VDI image (version 7.0)");
        bothRefuse(new HandMade(2).set(HandMade.OFFSET_BMAP, 0x201),
                "unsupported VDI image (unaligned block map offset 0x201)");
        bothRefuse(new HandMade(2).set(HandMade.OFFSET_DATA, 0x4ff),
                "unsupported VDI image (unaligned data offset 0x4ff)");
        bothRefuse(new HandMade(2).set(HandMade.SECTOR_SIZE, 4096),
                "unsupported VDI image (sector size 4096 is not 512)");
        bothRefuse(new HandMade(2).set(HandMade.BLOCK_SIZE, 0), "unsupported VDI image (block size 0 is not 1048576)");
        bothRefuse(new HandMade(2).set(HandMade.BLOCK_SIZE, 2 * MIB),
                "unsupported VDI image (block size 2097152 is not 1048576)");
        bothRefuse(new HandMade(2).set(HandMade.BLOCK_SIZE, -1),
                "unsupported VDI image (block size 4294967295 is not 1048576)");
        bothRefuse(new HandMade(2).setLong(HandMade.DISK_SIZE, 2L * MIB + 1),
                "unsupported VDI image (disk size 2097664, image bitmap has room for 2097152)");
        bothRefuse(new HandMade(2).set(HandMade.UUID_LINK + 12, 1 << 24),
                "unsupported VDI image (non-NULL link UUID)");
        bothRefuse(new HandMade(2).set(HandMade.UUID_PARENT, 7), "unsupported VDI image (non-NULL parent UUID)");
    }

    @Test
    void hugeClaimsAreRefusedWithQemusWords() throws IOException {
        bothRefuse(new HandMade(2).setLong(HandMade.DISK_SIZE, -1),
                "Unsupported VDI image size (size is 0xffffffffffffffff, max supported is 0x1fffff8000000)");
        bothRefuse(new HandMade(2).setLong(HandMade.DISK_SIZE, 0x1fffff8000000L + 512),
                "Unsupported VDI image size (size is 0x1fffff8000200, max supported is 0x1fffff8000000)");
        bothRefuse(new HandMade(2).set(HandMade.BLOCKS, 0x1fffff81),
                "unsupported VDI image (too many blocks 536870785, max is 536870784)");
        bothRefuse(new HandMade(2).set(HandMade.BLOCKS, -1),
                "unsupported VDI image (too many blocks 4294967295, max is 536870784)");
    }

    @Test
    void filesTooShortForAHeaderAreRefusedOrProbedAsQemuDoes() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.vdi"));
        QemuTools.Result q = QemuTools.run("qemu-img", "info", "-f", "vdi", empty.toString());
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(empty, false));
        assertEquals(q.stderr(), "qemu-img: Could not open '" + empty + "': " + e.getMessage() + "\n");

        // a file cut inside the header still probes as VDI (QEMU probes a zero-padded buffer) and then fails
        Path cut = new HandMade(2).truncate(100).write(dir.resolve("cut.vdi"));
        q = QemuTools.run("qemu-img", "info", cut.toString());
        e = assertThrows(ImageFormatException.class, () -> Images.open(cut, false));
        assertEquals(q.stderr(), "qemu-img: Could not open '" + cut + "': " + e.getMessage() + "\n");
        assertEquals(100, probe(cut));
        assertEquals(0, probe(new HandMade(2).truncate(0x43).write(dir.resolve("cut2.vdi"))));
    }

    private static int probe(Path p) throws IOException {
        byte[] all = Files.readAllBytes(p);
        return Images.DRIVER.probe(ByteBuffer.wrap(all, 0, Math.min(all.length, 4096)), all.length);
    }

    /** Entries past the file's end read as block index 0, as in QEMU, whose map is zero-filled there. */
    @Test
    void aBlockMapCutByTheFilesEndReadsAsQemuReadsIt() throws IOException {
        // the map after the data, and the file cut after the first two entries
        HandMade image = new HandMade(4).map(0, 0, 0x11).map(1, 1, 0x22).allocated(2);
        image.header.putInt(HandMade.OFFSET_DATA, 0x200).putInt(HandMade.OFFSET_BMAP, 0x200 + 2 * MIB);
        Path img = bothRead(image.truncate(0x200 + 2 * MIB + 8));
        // the entries of blocks 2 and 3 lie past the file's end: they read 0, so these blocks show data block 0
        byte[] guest = Images.readAll(img);
        assertEquals(0x11, guest[2 * MIB + 1]);
        assertEquals(0x11, guest[3 * MIB + 1]);
    }

    @Test
    void entriesPointingPastTheFileOrOutsideTheImageReadAsQemuReadsThem() throws IOException {
        HandMade image = new HandMade(4).map(0, 0, 0x33).allocated(3);
        image.bmap[1] = 7;            // outside the image, past the file: zeroes
        image.bmap[2] = 0xfffffffd;   // the largest index: 4 PiB into the file
        image.bmap[3] = 0xfffffffe;   // discarded
        bothRead(image);
    }

    @Test
    void anotherLayoutOfVirtualBoxReadsAsInQemu() throws IOException {
        // VirtualBox 4 and later align the map and the data to 1 MiB; blocks are stored in the order written
        HandMade image = new HandMade(5).map(4, 0, 0x44).map(0, 1, 0x55).map(2, 2, 0x66).allocated(3);
        image.bmap[1] = 0xfffffffe;
        image.header.putInt(HandMade.OFFSET_BMAP, MIB).putInt(HandMade.OFFSET_DATA, 2 * MIB)
                .putLong(HandMade.DISK_SIZE, 4L * MIB + 1001).putInt(HandMade.TYPE, 7);
        Path img = bothRead(image);
        try (FormatAccess a = Images.open(img, false)) {
            assertEquals(4L * MIB + 1024, a.size(), "an odd disk size is rounded up to a sector");
        }
        assertCheckAsQemu(img, 0);
    }

    @Test
    void aHugeDiskWithAShortFileOpensAndReadsQuicklyAsInQemu() throws IOException {
        // 1 TiB claimed with a 4 MiB map of which the file holds one sector: the rest reads as index 0
        HandMade image = new HandMade(4).map(0, 0, 0x77).allocated(1);
        image.header.putInt(HandMade.BLOCKS, 1 << 20).putLong(HandMade.DISK_SIZE, 1L << 40)
                .putInt(HandMade.OFFSET_DATA, 0x200 + 4 * MIB);
        Path img = write(image.truncate(0x200 + 4 * MIB + 4096));
        for (long at : new long[] {0, 1L << 39, (1L << 40) - 4096}) {
            String out = QemuTools.qemuIo("-f", "vdi", "-c", "read -v " + at + " 16", img.toString());
            String theirs = out.substring(out.indexOf(':') + 1, out.indexOf("  ", out.indexOf(':') + 3)).trim();
            String ours = assertTimeoutPreemptively(QUICKLY, () -> {
                try (FormatAccess a = Images.open(img, false)) {
                    ByteBuffer b = ByteBuffer.allocate(16);
                    a.read(b, at);
                    return java.util.HexFormat.ofDelimiter(" ").formatHex(b.array());
                }
            });
            assertEquals(theirs, ours, "16 bytes at " + at);
        }
    }

    /** The largest map QEMU accepts (2 GiB, which QEMU holds in memory) opens, reads and checks in seconds. */
    @Test
    void theLargestBlockMapIsNeverHeldInMemory() throws IOException {
        HandMade image = new HandMade(1).allocated(1);
        image.header.putInt(HandMade.BLOCKS, 0x1fffff80).putLong(HandMade.DISK_SIZE, 0x1fffff8000000L)
                .putInt(HandMade.OFFSET_DATA, 0x200);
        Path img = write(image);
        CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (FormatAccess a = Images.open(img, false)) {
                assertEquals(0x1fffff8000000L, a.size());
                byte[] b = new byte[4096];
                a.read(ByteBuffer.wrap(b), 0x1fffff8000000L - 4096);
                return a.check(RepairMode.NONE);
            }
        });
        // entry 0 is unallocated and every later one reads 0: data block 0 used again by all but the first of
        // them, and the header's count of 1 is wrong
        long zeroEntries = 0x1fffff80L - 1;
        assertEquals(zeroEntries - 1 + 1, r.corruptions());
        assertEquals(Checker.MAX_MESSAGES + 1, r.messages().size());
        assertTrue(r.messages().get(Checker.MAX_MESSAGES).matches("ERROR: \\d+ more errors like these"));
    }

    @Test
    void checkFindsWhatQemuImgCheckFinds() throws IOException {
        HandMade image = new HandMade(6).map(0, 0, 1).map(1, 1, 2).map(2, 2, 3).allocated(4);
        image.bmap[3] = 1;   // a data block used twice
        image.bmap[4] = 6;   // beyond the image's 6 blocks
        image.bmap[5] = 0x100;
        assertCheckAsQemu(write(image), 2);
        assertCheckAsQemu(write(new HandMade(3).map(0, 0, 1).allocated(2)), 2);
        assertCheckAsQemu(write(new HandMade(0)), 0);
    }

    /** qemu-img check and Strata's check agree: the same ERROR lines, the same count, exit 2 when corrupt. */
    private static void assertCheckAsQemu(Path img, int exitCode) throws IOException {
        QemuTools.Result q = QemuTools.run("qemu-img", "check", "-f", "vdi", img.toString());
        assertEquals(exitCode, q.exitCode(), q.stdout() + q.stderr());
        CheckResult r;
        try (FormatAccess a = Images.open(img, false)) {
            r = a.check(RepairMode.NONE);
        }
        String ours = r.messages().stream().map(m -> m + "\n").reduce("", String::concat);
        assertEquals(q.stderr(), ours);
        assertEquals(exitCode == 0 ? 0 : Arrays.stream(q.stderr().split("\n")).count(), r.corruptions());
    }

    @Test
    void writesNeverCorruptAnInconsistentImageFurther() throws IOException {
        // the header counts 1 block in use, but data block 1 is mapped: QEMU would hand it out again
        HandMade image = new HandMade(3).map(0, 0, 1).map(1, 1, 2).allocated(1);
        Path img = write(image);
        byte[] before = Files.readAllBytes(img);
        try (FormatAccess a = Images.open(img, true)) {
            a.write(Patterns.filled(512, 9), 0); // in place (data block 0 starts at 0x400): fine
            IOException e = assertThrows(ImageFormatException.class, () -> a.write(Patterns.filled(512, 9), 2 * MIB));
            assertEquals("vdi: Image is corrupt: block 1 uses data block 1, but the header counts 1 in use;"
                    + " cannot allocate (see image:check)", e.getMessage());
        }
        Arrays.fill(before, 0x400, 0x400 + 512, (byte) 9);
        assertArrayEquals(before, Files.readAllBytes(img), "nothing changed but what the allowed write wrote");

        // every block counted as in use, none free to hand out
        Path full = write(new HandMade(2).map(0, 0, 1).allocated(2));
        try (FormatAccess a = Images.open(full, true)) {
            IOException e = assertThrows(ImageFormatException.class, () -> a.write(Patterns.filled(512, 9), MIB));
            assertEquals("vdi: Image is corrupt: its header counts all 2 blocks as allocated; cannot allocate",
                    e.getMessage());
        }
    }

    @Test
    void aBlockMapOverlappingTheDataOpensOnlyReadOnly() throws IOException {
        HandMade image = new HandMade(4).map(0, 0, 1).allocated(1);
        image.header.putInt(HandMade.OFFSET_DATA, 0x200); // data block 0 is the block map
        Path img = bothRead(image);
        IOException e = assertThrows(ImageFormatException.class, () -> Images.open(img, true));
        assertEquals("vdi: Image is corrupt (its block map at 0x200 overlaps the header or the data at 0x200);"
                + " cannot be opened read/write", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void qemuProbesTheSameFiles() throws IOException {
        Path vdi = write(new HandMade(1));
        Path raw = Files.write(dir.resolve("raw.img"), new byte[4096]);
        byte[] signatureOnly = new byte[4096];
        ByteBuffer.wrap(signatureOnly).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x40, 0xbeda107f);
        Path bare = Files.write(dir.resolve("bare.img"), signatureOnly);
        for (Path p : List.of(vdi, raw, bare)) {
            // a file with the signature alone probes as VDI, and then fails to open as one
            QemuTools.Result q = QemuTools.run("qemu-img", "info", p.toString());
            boolean qemuSaysVdi = q.stdout().contains("file format: vdi") || q.stderr().contains("VDI image");
            assertEquals(qemuSaysVdi ? 100 : 0, probe(p), p + ": " + q.stdout() + q.stderr());
        }
        assertEquals(100, probe(bare));
    }
}
