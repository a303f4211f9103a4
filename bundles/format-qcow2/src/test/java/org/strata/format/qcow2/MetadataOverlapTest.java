package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;
import org.strata.testkit.Patterns;
import org.strata.testkit.TestEngines;

/**
 * Every kind of metadata write is refused when it would overwrite other metadata: the caller gets one
 * ImageFormatException naming the write, the image is marked corrupt, and the structure in the way is left as it
 * was. Most cases plant the other structure in an open image ("a snapshot whose L1 table lies there") after the
 * structure about to be written was read into the caches, so that the write's own check is what refuses it.
 * Images are qemu-img's default layout: header, refcount table at 64k, refcount block at 128k, L1 table at 192k,
 * L2 table at 256k, data at 320k.
 */
class MetadataOverlapTest {

    @TempDir
    Path dir;

    private Path qemuImage(String size, String... createOptions) {
        Path img = dir.resolve("o.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", String.join(",", createOptions) + (createOptions.length > 0 ? "," : "")
                + "compat=1.1", img, size);
        Qemu.io("-c", "write -P 1 0 64k", img);
        return img;
    }

    /** Lists a snapshot whose L1 table ({@code entries} long) lies at {@code offset}. */
    private static void plantSnapshotL1(Qcow2Image q, long offset, int entries) throws IOException {
        SnapshotTable.Entry planted = new SnapshotTable.Entry(offset, entries, "1", "planted", 0, 0, 0, 0, q.size(),
                0, new byte[0]);
        q.exclusively(() -> q.snapshotTable().store(List.of(planted)));
    }

    /** {@code write} fails as a {@code kind} write that would overwrite other metadata, and changes nothing there. */
    private static void assertRefused(String kind, Path img, long offset, int length, Qcow2Image.Action write)
            throws IOException {
        byte[] before = bytes(img, offset, length);
        ImageFormatException e = assertThrows(ImageFormatException.class, write::run);
        assertTrue(e.getMessage().contains(kind + " at ") && e.getMessage().contains(" would overwrite "),
                e.getMessage());
        assertTrue(e.getMessage().contains(img.toString()), "names the file: " + e.getMessage());
        assertArrayEquals(before, bytes(img, offset, length), "left as it was");
    }

    private static byte[] bytes(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    private static void poke(Path file, long offset, long value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.writeLong(value);
        }
    }

    @Test
    void l1TableWriteIsChecked() throws IOException {
        Path img = qemuImage("2G");
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            Header h = q.file().header();
            plantSnapshotL1(q, h.l1TableOffset(), h.l1Size());
            a.write(Patterns.filled(4096, 2), 1L << 30); // a new L2 table, whose L1 entry is written at the flush
            assertRefused("L1 table", img, h.l1TableOffset(), h.l1Size() * 8, a::flush);
            assertFalse(a.isWritable());
        }
    }

    @Test
    void l2TableWriteIsChecked() throws IOException {
        Path img = qemuImage("1M");
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            TestImages.read(a, 0, 4096); // the L2 table is cached
            long l2 = q.clusterMap().l1()[0] & L2Entry.OFFSET_MASK;
            plantSnapshotL1(q, l2, 1);
            a.write(Patterns.filled(4096, 2), 64 << 10); // a new data cluster, whose L2 entry is written at the flush
            assertRefused("L2 table", img, l2, 64 << 10, a::flush);
            assertFalse(a.isWritable());
        }
    }

    @Test
    void refcountBlockWriteIsChecked() throws IOException {
        Path img = qemuImage("1M");
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            a.write(Patterns.filled(4096, 2), 64 << 10);
            a.flush(); // the refcount block is cached
            long block = q.refcounts().table()[0];
            plantSnapshotL1(q, block, 1);
            a.write(Patterns.filled(4096, 3), 128 << 10); // another new cluster: its refcount is written at the flush
            assertRefused("refcount block", img, block, 64 << 10, a::flush);
            assertFalse(a.isWritable());
        }
    }

    @Test
    void refcountTableWriteIsChecked() throws IOException {
        // A refcount block covers 64 clusters of 512 bytes: writing 64 KiB more needs new ones in the table.
        Path img = qemuImage("1M", "cluster_size=512", "refcount_bits=64");
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            Header h = q.file().header();
            int tableBytes = h.refcountTableClusters() * 512;
            plantSnapshotL1(q, h.refcountTableOffset(), tableBytes / 8);
            assertRefused("refcount table", img, h.refcountTableOffset(), tableBytes,
                    () -> a.write(Patterns.filled(64 << 10, 2), 512 << 10));
            assertFalse(a.isWritable());
        }
    }

    @Test
    void snapshotTableWriteIsChecked() throws IOException {
        Path img = qemuImage("1M");
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            a.createSnapshot("a");
            a.createSnapshot("b");
            long l1 = q.file().header().l1TableOffset();
            // The active L1 table's cluster counts as free: the next table allocated lands on it.
            q.exclusively(() -> q.refcounts().add(l1 >>> 16, -1));
            assertRefused("snapshot table", img, l1, 8, () -> a.deleteSnapshot("a"));
            assertFalse(a.isWritable());
        }
    }

    @Test
    void bitmapDirectoryWriteIsChecked() throws IOException {
        Path img = qemuImage("1M");
        Qemu.img("bitmap", "--add", img, "b0"); // enabled: Strata marks it in use at the first write
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            Bitmaps.Extension bitmaps = Bitmaps.Extension.of(q.file().header());
            int length = (int) bitmaps.directorySize();
            plantSnapshotL1(q, bitmaps.directoryOffset(), length / 8);
            assertRefused("bitmap directory", img, bitmaps.directoryOffset(), length,
                    () -> a.write(Patterns.filled(4096, 2), 0));
            assertFalse(a.isWritable());
        }
    }

    @Test
    void headerWriteIsChecked() throws IOException {
        Path img = qemuImage("1M");
        TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true);
        try (FormatAccess a = TestEngines.of(o.image(), o.resources())) {
            Qcow2Image q = (Qcow2Image) o.image();
            plantSnapshotL1(q, 0, 1);
            assertRefused("header", img, 0, 64 << 10, () -> a.amend(Map.of("lazy_refcounts", "on")));
            assertFalse(a.isWritable());
        }
    }

    @Test
    void refcountRebuildWritesAreChecked() throws IOException {
        Path img = qemuImage("2G", "lazy_refcounts=on");
        long end = Files.size(img);
        long l1;
        try (TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", false, true)) {
            l1 = ((Qcow2Image) o.image()).file().header().l1TableOffset();
        }
        poke(img, 72, Header.INCOMPAT_DIRTY); // refcounts to be rebuilt at the next writable open...
        poke(img, l1 + 8, L2Entry.COPIED | end); // ...where L1 entry 1 names an L2 table just past the end
        byte[] before = Files.readAllBytes(img);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> TestContext.open(img, true).close());
        assertTrue(e.getMessage().contains("rebuilt refcount block at " + end + " would overwrite an active L2 table"),
                e.getMessage());
        byte[] after = Files.readAllBytes(img);
        assertEquals(before.length, after.length, "nothing written past the end");
        assertArrayEquals(Arrays.copyOfRange(before, 64 << 10, before.length),
                Arrays.copyOfRange(after, 64 << 10, after.length), "only the header changed (marked corrupt)");
        assertTrue((ByteBuffer.wrap(after).getLong(72) & Header.INCOMPAT_CORRUPT) != 0, "marked corrupt");
    }
}
