package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.ImageInfo;
import org.strata.testkit.Patterns;

/**
 * Images written by qemu-img and qemu-io: Strata reads them byte for byte as qemu-img convert -O raw does, and
 * its mappings agree with qemu-img map.
 */
class QemuImagesReadTest {

    @TempDir
    Path dir;

    /** Writes data, zeroes and discards with qemu-io in a way that exercises every kind of cluster. */
    private void fill(Path img, String unit) {
        Qemu.io("-f", "qcow2",
                "-c", "write -P 0x11 0 " + unit,
                "-c", "write -P 0x22 100k 300k",
                "-c", "write -P 0x33 1000k 4k",
                "-c", "write -z 1100k 200k",
                "-c", "write -P 0x44 1500k 500k",
                "-c", "write -z 1600k 128k",
                "-c", "discard 1800k 128k",
                "-c", "write -P 0x55 3M 7",
                "-c", "write -P 0x66 3700k 300k",
                img);
    }

    private void assertReadsLikeQemu(Path img) throws IOException {
        byte[] expected = Qemu.raw(img);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertEquals(expected.length, a.size());
            byte[] got = Qemu.readAll(a);
            int diff = Patterns.firstDifference(expected, 0, got, 0, expected.length);
            assertEquals(-1, diff, img + ": first difference at byte " + diff);
            Qemu.assertMapAgrees(img, a);
        }
        assertWritesStayClean(img, expected);
    }

    /** Then Strata writes into the image: qemu-img check stays clean and the content is what was written. */
    private void assertWritesStayClean(Path img, byte[] model) throws IOException {
        try (FormatAccess a = TestContext.open(img, true)) {
            a.setWriteParallelization(2);
            StrataImagesQemuCheckTest.randomOps(a, model, new java.util.Random(img.hashCode()), 40);
        }
        Qemu.assertClean(img);
        Path raw = dir.resolve("after-writes.raw");
        java.nio.file.Files.write(raw, model);
        Qemu.assertSameContent(img, raw);
        String info = Qemu.img("info", img);
        if (info.contains("data file raw: true")) {
            String dataFile = info.lines().filter(l -> l.trim().startsWith("data file:")).findFirst().orElseThrow()
                    .trim().substring("data file:".length()).trim();
            assertArrayEquals(model, java.nio.file.Files.readAllBytes(Path.of(dataFile)),
                    "the raw data file stays a valid raw image");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "compat=1.1", "compat=0.10", "cluster_size=512,refcount_bits=1", "cluster_size=4096,refcount_bits=64",
        "cluster_size=2M", "refcount_bits=8,cluster_size=16k", "refcount_bits=2", "refcount_bits=4",
        "refcount_bits=32", "extended_l2=on", "extended_l2=on,cluster_size=16k", "lazy_refcounts=on",
        "preallocation=metadata", "preallocation=falloc", "preallocation=full", "compression_type=zstd",
        "extended_l2=on,preallocation=metadata", "extended_l2=on,preallocation=full"})
    void qemuWrittenImagesReadIdentically(String options) throws IOException {
        Path img = dir.resolve("img.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", options, img, "4M");
        fill(img, "64k");
        assertReadsLikeQemu(img);
    }

    @Test
    void subclusterWritesReadIdentically() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base, "4M");
        Qemu.io("-c", "write -P 0xa1 0 4M", base);
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on", "-b", "base.qcow2", "-F", "qcow2", img);
        Qemu.io("-c", "write -P 0x11 2k 2k", "-c", "write -z 8k 4k", "-c", "write -P 0x12 66k 1k",
                "-c", "discard 128k 64k", "-c", "write -P 0x13 200k 10k", "-c", "write -z 300k 64k", img);
        assertReadsLikeQemu(img);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zlib", "zstd"})
    void compressedClustersReadIdentically(String type) throws IOException {
        Path src = dir.resolve("src.qcow2");
        Qemu.img("create", "-f", "qcow2", src, "4M");
        fill(src, "64k");
        Qemu.io("-c", "write -P 0x77 2M 512k", src);
        Path img = dir.resolve("c.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", "-o", "compression_type=" + type, src, img);
        assertReadsLikeQemu(img);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertTrue(a.check(org.strata.api.RepairMode.NONE).compressedClusters() > 0);
        }
    }

    @Test
    void backingChainsWithRelativeNamesReadIdentically() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", base, "4M");
        Qemu.io("-c", "write -P 0x01 0 4M", base);
        java.nio.file.Files.createDirectories(dir.resolve("sub"));
        Path mid = dir.resolve("sub/mid.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", "../base.qcow2", "-F", "qcow2", mid);
        Qemu.io("-c", "write -P 0x02 1M 1M", "-c", "write -z 1200k 4k", mid);
        Path top = dir.resolve("sub/top.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "-o", "cluster_size=16k", top);
        Qemu.io("-c", "write -P 0x03 1500k 1M", "-c", "write -z 3M 64k", "-c", "write -P 0x04 5000 3000", top);
        assertReadsLikeQemu(top);
        Path raw = dir.resolve("rawbase.img");
        Qemu.img("create", "-f", "raw", raw, "2M");
        Qemu.io("-f", "raw", "-c", "write -P 0x09 0 2M", raw);
        Path over = dir.resolve("over-raw.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", raw.toAbsolutePath(), "-F", "raw", over, "4M");
        Qemu.io("-c", "write -P 0x0a 64k 64k", over);
        assertReadsLikeQemu(over);
        try (FormatAccess a = TestContext.open(top, false)) {
            ImageInfo info = a.info();
            assertEquals("mid.qcow2", info.backingFilename());
            assertEquals("qcow2", info.backingFormat());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"data_file_raw=off", "data_file_raw=on"})
    void externalDataFilesReadIdentically(String raw) throws IOException {
        Path img = dir.resolve("df.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "data_file=" + dir.resolve("df.data") + "," + raw, img, "4M");
        fill(img, "64k");
        assertReadsLikeQemu(img);
    }

    @Test
    void activeLayerReadsRightWithInternalSnapshots() throws IOException {
        Path img = dir.resolve("snap.qcow2");
        Qemu.img("create", "-f", "qcow2", img, "4M");
        fill(img, "64k");
        Qemu.img("snapshot", "-c", "first", img);
        Qemu.io("-c", "write -P 0x99 0 1M", "-c", "write -z 1500k 64k", img);
        Qemu.img("snapshot", "-c", "second", img);
        Qemu.io("-c", "write -P 0x98 512k 8k", img);
        assertReadsLikeQemu(img);
        try (FormatAccess a = TestContext.open(img, false)) {
            List<org.strata.api.SnapshotInfo> s = a.snapshots();
            assertEquals(2, s.size());
            assertEquals("first", s.get(0).name());
            assertEquals("2", s.get(1).id());
        }
    }

    @Test
    void bitmapsAreKeptAndTrackWhatStrataWrites() throws IOException {
        Path img = dir.resolve("bm.qcow2");
        Qemu.img("create", "-f", "qcow2", img, "4M");
        Qemu.io("-c", "write -P 0x10 0 4M", img);
        Qemu.img("bitmap", "--add", "-g", "64k", img, "b0");
        Qemu.img("bitmap", "--add", "-g", "128k", "--disable", img, "off");
        try (FormatAccess a = TestContext.open(img, true)) {
            a.write(Patterns.filled(4096, 0x5c), 2 << 20);
            a.write(Patterns.filled(4096, 0x5d), 3 << 20);
            a.writeZeroes(256 << 10, 64 << 10);
        }
        Qemu.assertClean(img);
        String info = Qemu.img("info", img);
        assertTrue(info.contains("name: b0") && info.contains("name: off") && !info.contains("in-use"), info);
        // What the enabled bitmap recorded, as qemu-nbd exports it: exactly the changed 64k granules.
        String dirty = Qemu.run("nbdinfo", "--map=qemu:dirty-bitmap:b0", "--", "[", "qemu-nbd", "-r", "-f", "qcow2",
                "-B", "b0", img, "]").stdout();
        List<String> lines = dirty.lines().filter(l -> l.endsWith("dirty")).map(String::trim)
                .map(l -> l.replaceAll("\\s+", " ")).toList();
        assertEquals(List.of("262144 65536 1 dirty", "2097152 65536 1 dirty", "3145728 65536 1 dirty"), lines,
                dirty);
        assertReadsLikeQemu(img);
    }

    @Test
    void artificialDirtyImageIsRepairedWhenOpenedForWriting() throws IOException {
        Path img = dir.resolve("dirty.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img, "4M");
        // qemu-io's abort leaves the dirty bit set and the refcounts stale.
        Qemu.run("qemu-io", "-c", "write -P 0x42 0 256k", "-c", "abort", img);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertTrue(a.info().dirty());
            assertArrayEquals(Patterns.filled(256 << 10, 0x42).array(), TestImages.read(a, 0, 256 << 10));
        }
        try (FormatAccess a = TestContext.open(img, true)) {
            a.write(Patterns.filled(4096, 0x43), 1 << 20);
        }
        Qemu.assertClean(img);
        Qemu.io("-c", "read -P 0x42 0 256k", "-c", "read -P 0x43 1M 4k", img);
    }
}
