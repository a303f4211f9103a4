package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.RepairMode;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Hostile and broken images, made from qemu-img's 16 MiB default layout (headers at 64 and 128 KiB, region table
 * at 192 KiB, log at 1 MiB, BAT at 2 MiB, metadata at 3 MiB with its items from 3 MiB + 64 KiB, data from 8 MiB).
 * Where qemu-img refuses an image, Strata refuses it within seconds with one clear line naming the file, in
 * bounded memory; where qemu-img reads it, Strata reads the same bytes.
 */
class HostileImagesTest {

    private static final long REGIONS = 192 << 10;
    private static final long METADATA = 3 << 20;
    private static final long ITEMS = METADATA + (64 << 10);
    private static final long BAT = 2 << 20;

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() throws IOException {
        img = dir.resolve("h.vhdx");
        Images.img("create", "-q", "-f", "vhdx", img, "16M");
        Images.io("-c", "write -P 1 0 64k", img);
        // the file backend's native library loads at the first open: not part of any case's time
        Images.FILES.open(img.toString(), org.strata.api.StorageOptions.READ_ONLY).close();
    }

    private void poke(long offset, long value, int bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
            f.seek(offset);
            f.write(b.array(), 0, bytes);
        }
    }

    /** Recomputes the CRC-32C at {@code offset + 4} over {@code size} bytes. */
    private void reseal(long offset, int size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] b = new byte[size];
            f.seek(offset);
            f.readFully(b);
            java.util.Arrays.fill(b, 4, 8, (byte) 0);
            CRC32C crc = new CRC32C();
            crc.update(b);
            poke(offset + 4, crc.getValue(), 4);
        }
    }

    /** Changes a field in both headers. */
    private void pokeHeaders(int field, long value, int bytes) throws IOException {
        for (long h : new long[] {64 << 10, 128 << 10}) {
            poke(h + field, value, bytes);
            reseal(h, 4096);
        }
    }

    private void pokeRegions(int field, long value, int bytes) throws IOException {
        poke(REGIONS + field, value, bytes);
        reseal(REGIONS, 64 << 10);
    }

    private void assertQemuRefuses() {
        QemuTools.Result r = Images.run("qemu-img", "info", img);
        assertEquals(1, r.exitCode(), "qemu-img info: " + r.stdout());
    }

    /** Opens, reads everything and writes once; expects a failure whose message has {@code words} in it. */
    private void assertStrataRefuses(String words) {
        IOException e = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertThrows(IOException.class, () -> {
            try (FormatAccess a = Images.open(img, true)) {
                Images.readAll(a);
                a.write(Patterns.filled(4096, 9), 512 << 10);
                a.flush();
            }
        }));
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertTrue(e.getMessage().contains(img.toString()), "names the file: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    private void assertBothRefuse(String words) {
        assertQemuRefuses();
        assertStrataRefuses(words);
    }

    @Test
    void noValidHeader() throws IOException {
        poke(64 << 10, 0, 4);
        poke(128 << 10, 0, 4);
        assertBothRefuse("No valid VHDX header found");
    }

    @Test
    void oneBrokenHeaderLeavesTheOther() throws IOException {
        poke((128 << 10) + 100, 0xff, 1); // the current header's checksum no longer matches
        byte[] expected = Images.qemuRaw(img);
        try (FormatAccess a = Images.open(img, false)) {
            assertArrayEquals(expected, Images.readAll(a));
        }
    }

    @Test
    void regionTableChecksum() throws IOException {
        poke(REGIONS + 100, 1, 1);
        assertBothRefuse("region table");
    }

    @Test
    void tooManyRegions() throws IOException {
        pokeRegions(8, 5000, 4);
        assertBothRefuse("5000 entries");
    }

    @Test
    void metadataRegionOverlappingTheBat() throws IOException {
        pokeRegions(16 + 32 + 16, BAT, 8);
        assertBothRefuse("overlaps");
    }

    @Test
    void unknownRequiredRegion() throws IOException {
        pokeRegions(8, 3, 4);
        poke(REGIONS + 16 + 64, 0x1234567890L, 8);
        poke(REGIONS + 16 + 64 + 16, 40 << 20, 8);
        poke(REGIONS + 16 + 64 + 24, 1 << 20, 4);
        pokeRegions(16 + 64 + 28, 1, 4);
        assertBothRefuse("required");
    }

    @Test
    void hugeMetadataEntryCount() throws IOException {
        poke(METADATA + 10, 0xffff, 2);
        assertBothRefuse("too many entries");
    }

    @Test
    void missingMetadataItem() throws IOException {
        poke(METADATA + 10, 4, 2);
        assertBothRefuse("missing");
    }

    @Test
    void blockSizeZero() throws IOException {
        poke(ITEMS, 0, 4);
        assertBothRefuse("block size");
    }

    @Test
    void blockSizeNotAPowerOfTwo() throws IOException {
        poke(ITEMS, 3 << 20, 4);
        assertBothRefuse("block size");
    }

    @Test
    void blockSizeTooLarge() throws IOException {
        poke(ITEMS, 1L << 31, 4);
        assertBothRefuse("block size");
    }

    @Test
    void oddLogicalSectorSize() throws IOException {
        poke(ITEMS + 32, 1000, 4);
        assertBothRefuse("logical sector size");
    }

    @Test
    void virtualSizeNeedingAMuchBiggerBat() throws IOException {
        poke(ITEMS + 8, 64L << 40, 8);
        assertBothRefuse("too small");
    }

    @Test
    void virtualSizeBeyondTheMaximum() throws IOException {
        poke(ITEMS + 8, 1L << 62, 8);
        assertStrataRefuses("64 TiB");
    }

    @Test
    void differencingImage() throws IOException {
        poke(ITEMS + 4, 2, 4);
        assertBothRefuse("no parent locator");
        poke(METADATA + 10, 6, 2);
        poke(METADATA + 32 * 6, 0x454DB30BA8D35F2DL, 8);
        poke(METADATA + 32 * 6 + 8, 0x0CAB3448D8D3F7ABL, 8);
        poke(METADATA + 32 * 6 + 16, (64 << 10) + 40, 4);
        poke(METADATA + 32 * 6 + 20, 24, 4);
        assertBothRefuse("differencing images");
    }

    @Test
    void batEntryPastTheEndOfTheFile() throws IOException {
        poke(BAT + 8, (100L << 20) | 6, 8);
        assertBothRefuse("BAT entry 1 start offset 104857600 points after end of file");
        CheckResult r = checkAsQemu();
        assertEquals(1, r.corruptions());
        assertEquals(QemuTools.run("qemu-img", "check", img.toString()).stderr()
                .replace("qemu-img: ", "").trim(), String.join("\n", r.messages()));
    }

    @Test
    void truncatedData() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(9 << 20);
        }
        assertBothRefuse("end offset 16777215 points after end of file (9437184)");
        assertEquals(1, checkAsQemu().corruptions());
    }

    @Test
    void truncatedHeaderSection() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(100 << 10);
        }
        assertBothRefuse("region table");
    }

    /** QEMU opens these and fails on reading the block (or, in the header section, reads the file's start). */
    @Test
    void invalidStatesAndBlocksInTheHeaderSectionFailOnRead() throws IOException {
        poke(BAT, (8 << 20) | 7, 8);
        assertStrataRefuses("invalid state 7");
        assertEquals(1, checkAsQemu().corruptions());
        Images.img("create", "-q", "-f", "vhdx", "-o", "block_size=1M", img, "16M");
        poke(BAT, 6, 8);
        assertStrataRefuses("points into the header section");
        assertEquals(1, checkAsQemu().corruptions());
    }

    /** 8 MiB blocks at offset 0 overlap the log, the BAT and the metadata: both refuse. */
    @Test
    void blockOverlappingTheMetadata() throws IOException {
        poke(BAT, 6, 8);
        assertBothRefuse("VHDX region 0-8388608 overlaps with region 3145728-4194304");
    }

    /** A log as long as the file's address space overlaps everything. */
    @Test
    void hugeLog() throws IOException {
        pokeHeaders(48, 0x1122334455667788L, 8);
        pokeHeaders(68, 0xfff00000L, 4);
        assertBothRefuse("overlaps with region 1048576-4294967296");
    }

    /** A log entry claiming more descriptors than it has room for. */
    @Test
    void logEntryWithTooManyDescriptors() throws IOException {
        pokeHeaders(48, 0x1122334455667788L, 8);
        pokeHeaders(56, 0, 8);
        long log = 1 << 20;
        poke(log, 0x65676f6c, 4); // "loge"
        poke(log + 8, 1 << 20, 4);
        poke(log + 16, 1, 8);
        poke(log + 24, 32768, 4);
        poke(log + 32, 0x1122334455667788L, 8);
        poke(log + 40, 0, 8);
        assertBothRefuse("too many descriptors");
    }

    private CheckResult checkAsQemu() throws IOException {
        try (FormatAccess a = Images.open(img, false)) {
            return a.check(RepairMode.NONE);
        }
    }
}
