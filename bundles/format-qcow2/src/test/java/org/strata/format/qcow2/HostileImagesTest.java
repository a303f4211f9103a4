package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;
import org.strata.api.RepairMode;
import org.strata.api.UnsupportedFeatureException;
import org.strata.testkit.Patterns;

/**
 * Hostile metadata: every case ends in one clear ImageFormatException well within a second, without big
 * allocations (the test JVM's heap would not hold what a naive reader allocates for these sizes anyway).
 * The image is qemu-img's 1 MiB default layout: header, refcount table at 64k, refcount block at 128k,
 * L1 table at 192k, L2 table at 256k, data at 320k.
 */
class HostileImagesTest {

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() {
        img = dir.resolve("h.qcow2");
        Qemu.img("create", "-f", "qcow2", img, "1M");
        Qemu.io("-c", "write -P 1 0 64k", img);
    }

    private void poke(long offset, long value, int bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(offset);
            ByteBuffer b = ByteBuffer.allocate(8).putLong(value);
            f.write(b.array(), 8 - bytes, bytes);
        }
    }

    /** Opens, reads everything and writes once; expects an ImageFormatException with {@code words} in it. */
    private void expectFailure(String words) {
        ImageFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThrows(
                ImageFormatException.class, () -> {
                    try (FormatAccess a = TestContext.open(img, true)) {
                        Qemu.readAll(a);
                        a.write(Patterns.filled(4096, 9), 512 << 10);
                        a.flush();
                    }
                }));
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertTrue(e.getMessage().contains(img.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void hugeL1Size() throws IOException {
        poke(36, 0x7fffffffL, 4);
        expectFailure("L1 table too large");
    }

    @Test
    void l1TableBeyondTheEnd() throws IOException {
        poke(36, 1 << 20, 4);
        expectFailure("beyond the end of the file");
    }

    @Test
    void refcountTablePointingAtItself() throws IOException {
        poke(0x10000, 0x10000, 8);
        expectFailure("refcount table");
    }

    @Test
    void hugeRefcountTable() throws IOException {
        poke(56, 0x7fffffffL, 4);
        expectFailure("reference count table");
    }

    @Test
    void l2OffsetPastTheEnd() throws IOException {
        poke(0x30000, 0x8000000100000000L, 8);
        expectFailure("beyond the end of the file");
    }

    @Test
    void l2LoopingBackToTheL1Table() throws IOException {
        poke(0x30000, 0x8000000000030000L, 8);
        expectFailure("L1 table");
    }

    @Test
    void dataClusterOverwritingItsOwnL2Table() throws IOException {
        poke(0x40000 + 8 * 8, 0x8000000000040000L, 8);
        ImageFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertThrows(
                ImageFormatException.class, () -> {
                    try (FormatAccess a = TestContext.open(img, true)) {
                        a.write(Patterns.filled(4096, 9), 8 * 65536);
                    }
                }));
        assertTrue(e.getMessage().contains("L2 table"), e.getMessage());
    }

    @Test
    void checkOfAnL1TableListingOneL2TableMillionsOfTimesEndsQuickly() throws IOException {
        Path big = dir.resolve("big.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=512", big, "100G");
        Qemu.io("-c", "write -P 1 0 512", big);
        long l1Offset;
        int l1Size;
        try (TestContext.Opened o = TestContext.openImage(big.toString(), "qcow2", false, true)) {
            Qcow2Image q = (Qcow2Image) o.image();
            l1Offset = q.file().header().l1TableOffset();
            l1Size = q.file().header().l1Size();
        }
        long l2 = ByteBuffer.wrap(Files.readAllBytes(big), (int) l1Offset, 8).getLong();
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            byte[] table = new byte[l1Size * 8];
            ByteBuffer t = ByteBuffer.wrap(table);
            for (int i = 0; i < l1Size; i++) {
                t.putLong(l2);
            }
            f.seek(l1Offset);
            f.write(table);
        }
        org.strata.api.CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try (FormatAccess a = TestContext.open(big, false)) {
                return a.check(RepairMode.NONE);
            }
        });
        assertTrue(r.corruptions() >= l1Size - 1, r.toString().substring(0, 200));
    }

    /**
     * A refcount block covers clusters far past the file's end, and the refcount table names it again in its last
     * entry (8191 blocks on): qemu-img compares only the file's clusters, so neither the count past the end nor the
     * clusters the last entry covers are leaks; the second reference to the block is a corruption. The check takes
     * no longer than the file justifies (it once walked 8191 blocks' worth of clusters, a fuzzer's finding).
     */
    @Test
    void refcountsPastTheEndOfTheFile() throws IOException {
        poke(0x20000 + 2 * 1000, 1, 2);
        poke(0x10000 + 8 * 8191, 0x20000, 8);
        CheckResult r = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            try (FormatAccess a = TestContext.open(img, false)) {
                return a.check(RepairMode.NONE);
            }
        });
        JsonObject qemu = Qemu.check(img);
        assertEquals(qemu.get("leaks") == null ? 0 : qemu.get("leaks").getAsLong(), r.leaks(), r.toString());
        assertEquals(qemu.get("corruptions").getAsLong(), r.corruptions(), r.toString());
        assertEquals(qemu.get("image-end-offset").getAsLong(), r.imageEndOffset(), r.toString());
    }

    @Test
    void unalignedDataOffset() throws IOException {
        poke(0x40000, 0x8000000000050200L, 8);
        expectFailure("unaligned");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] head = Files.readAllBytes(img);
        Files.write(img, java.util.Arrays.copyOf(head, 40));
        expectFailure("truncated");
    }

    @Test
    void headerExtensionLongerThanTheCluster() throws IOException {
        poke(0x70 + 4, 0x7fffffffL, 4);
        expectFailure("header extension");
    }

    @Test
    void tooManySnapshots() throws IOException {
        poke(60, 0x7fffffffL, 4);
        poke(64, 0x40000, 8);
        expectFailure("snapshots");
    }

    @Test
    void snapshotTableWithHugeEntries() throws IOException {
        poke(60, 1000, 4);
        poke(64, 0x50000, 8);
        expectFailure("snapshot");
    }

    @Test
    void garbageCompressedCluster() throws IOException {
        poke(0x40000, 0x4000000000050000L | (3L << 54), 8);
        expectFailure("compressed cluster");
    }

    @Test
    void encryptionAndUnknownFeaturesAreRefused() throws IOException {
        poke(32, 2, 4);
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> TestContext.open(img, false).close());
        assertTrue(e.getMessage().contains("LUKS"), e.getMessage());
        poke(32, 0, 4);
        poke(72, 1L << 40, 8);
        e = assertThrows(UnsupportedFeatureException.class, () -> TestContext.open(img, false).close());
        assertTrue(e.getMessage().contains("bit 40"), e.getMessage());
    }

    @Test
    void corruptBitMakesTheImageReadOnlyUntilRepaired() throws IOException {
        poke(72, 2, 8);
        try (FormatAccess a = TestContext.open(img, true)) {
            assertTrue(!a.isWritable());
            Qemu.readAll(a);
            assertThrows(IOException.class, () -> a.write(Patterns.filled(512, 1), 0));
            a.check(RepairMode.ALL);
            assertTrue(a.isWritable());
            a.write(Patterns.filled(512, 1), 0);
        }
        Qemu.assertClean(img);
    }
}
