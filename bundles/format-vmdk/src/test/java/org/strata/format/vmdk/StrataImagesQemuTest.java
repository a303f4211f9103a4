package org.strata.format.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Images Strata creates and writes: laid out byte for byte as qemu-img lays them out (but for the random CID), read
 * by qemu-img as what was written, and clean for qemu-img check; stream-optimized images written once, in order.
 */
class StrataImagesQemuTest {

    @TempDir
    Path dir;

    /** Random writes and zero writes of {@code a}, applied to {@code model} too. */
    static void randomWrites(FormatAccess a, byte[] model, Random rnd, int count) throws IOException {
        int size = (int) a.size();
        for (int i = 0; i < count; i++) {
            int off = rnd.nextInt(size);
            int len = Math.min(size - off, 1 + (rnd.nextBoolean() ? rnd.nextInt(4096) : rnd.nextInt(200_000)));
            if (rnd.nextInt(4) == 0) {
                a.writeZeroes(off, len);
                java.util.Arrays.fill(model, off, off + len, (byte) 0);
            } else {
                byte[] data = Patterns.random(rnd, len);
                a.write(ByteBuffer.wrap(data), off);
                System.arraycopy(data, 0, model, off, len);
            }
            if (rnd.nextInt(10) == 0) {
                a.flush();
            }
        }
    }

    private static Map<String, String> options(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.split(",")) {
            String[] p = kv.split("=", 2);
            m.put(p[0], p.length > 1 ? p[1] : "on");
        }
        return m;
    }

    /** The descriptor text at {@code offset} (up to the first NUL), its random CID left out. */
    private static String descriptorWithoutCid(byte[] file, int offset) {
        int end = offset;
        while (end < file.length && file[end] != 0) {
            end++;
        }
        return new String(file, offset, end - offset, StandardCharsets.ISO_8859_1).replaceFirst("CID=[0-9a-f]+\n",
                "CID=\n");
    }

    /**
     * Fails unless the two files are the same but for the CID: descriptor files as text; sparse files byte for byte
     * (header, tables, grains) and their embedded descriptors as text.
     */
    private static void assertSameButCid(Path expected, Path actual) throws IOException {
        byte[] e = Files.readAllBytes(expected);
        byte[] a = Files.readAllBytes(actual);
        boolean sparse = e.length >= 4 && e[0] == 'K' && e[1] == 'D' && e[2] == 'M' && e[3] == 'V';
        int descriptor = sparse ? 512 : 0;
        assertEquals(descriptorWithoutCid(e, descriptor), descriptorWithoutCid(a, descriptor), "descriptor of "
                + actual);
        if (sparse) {
            int tables = 21 * 512;
            assertEquals(e.length, a.length, "size of " + actual);
            assertArrayEquals(java.util.Arrays.copyOf(e, 512), java.util.Arrays.copyOf(a, 512), "header of " + actual);
            assertArrayEquals(java.util.Arrays.copyOfRange(e, tables, e.length),
                    java.util.Arrays.copyOfRange(a, tables, a.length), "tables of " + actual);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=monolithicSparse", "zeroed_grain=on,adapter_type=buslogic",
        "subformat=streamOptimized", "compat6=on,adapter_type=legacyESX", "hwversion=7,toolsversion=99",
        "subformat=monolithicFlat,adapter_type=lsilogic", "subformat=twoGbMaxExtentSparse,zeroed_grain=on",
        "subformat=twoGbMaxExtentFlat"})
    void strataLaysOutImagesAsQemuImgDoes(String spec) throws IOException {
        Path q = Files.createDirectories(dir.resolve("q")).resolve("disk.vmdk");
        Path s = Files.createDirectories(dir.resolve("s")).resolve("disk.vmdk");
        long size = (5L << 30) + 12345; // three 2 GiB extents for the split subformats, a partial last sector
        String formatting = QemuTools.qemuImg("create", "-f", "vmdk", "-o", spec, q, size).trim();
        Map<String, String> printed = TestContext.create(s, size, options(spec));
        StringBuilder line = new StringBuilder("Formatting '" + q + "', fmt=vmdk");
        printed.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        assertEquals(formatting, line.toString());
        List<Path> qFiles;
        try (var list = Files.list(q.getParent())) {
            qFiles = list.sorted().toList();
        }
        for (Path qf : qFiles) {
            Path sf = s.resolveSibling(qf.getFileName());
            assertTrue(Files.exists(sf), sf + " exists");
            if (Files.size(qf) < (64 << 20)) {
                assertSameButCid(qf, sf);
            } else {
                assertEquals(Files.size(qf), Files.size(sf), "size of the flat extent " + sf);
            }
        }
        assertEquals(0, QemuTools.run("qemu-img", "check", s).exitCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=monolithicSparse", "zeroed_grain=on", "subformat=monolithicFlat",
        "subformat=twoGbMaxExtentSparse", "subformat=twoGbMaxExtentFlat"})
    void strataWrittenImagesAreCleanAndReadAsWrittenByQemu(String spec) throws IOException {
        Path img = dir.resolve("w.vmdk");
        TestContext.create(img, 5 << 20, options(spec));
        byte[] model = new byte[5 << 20];
        try (FormatAccess a = TestContext.open(img, true)) {
            a.setWriteParallelization(3);
            randomWrites(a, model, new Random(spec.hashCode()), 60);
        }
        Qemu.assertQemuSees(img, model);
        QemuTools.qemuIo("-c", "write -P 0x5a 64k 64k", img); // qemu writes into it as well
        System.arraycopy(Patterns.filled(65536, 0x5a).array(), 0, model, 65536, 65536);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertArrayEquals(model, Qemu.readAll(a));
        }
    }

    @Test
    void streamOptimizedImagesAreWrittenInOrderAndRefuseRewrites() throws IOException {
        Path img = dir.resolve("stream.vmdk");
        int size = (3 << 20) + 5 * 512;
        TestContext.create(img, size, Map.of("subformat", "streamOptimized"));
        byte[] model = new byte[size];
        Random rnd = new Random(3);
        try (FormatAccess a = TestContext.open(img, true)) {
            // as a conversion writes: in order, in pieces that do not follow grains, skipping zero runs
            for (int off = 0; off < size; ) {
                int len = Math.min(size - off, 1 + rnd.nextInt(100_000));
                if (rnd.nextInt(3) > 0) {
                    byte[] data = Patterns.random(rnd, len);
                    a.write(ByteBuffer.wrap(data), off);
                    System.arraycopy(data, 0, model, off, len);
                }
                off += len;
            }
            IOException e = assertThrows(IOException.class, () -> a.write(Patterns.filled(512, 1), 0));
            assertTrue(e.getMessage().contains("Could not write to allocated cluster for streamOptimized"),
                    e.getMessage());
        }
        Qemu.assertQemuSees(img, model);
        try (FormatAccess a = TestContext.open(img, false)) {
            assertArrayEquals(model, Qemu.readAll(a));
        }
        String map = QemuTools.qemuImg("map", "--output=json", img);
        assertTrue(map.contains("\"data\": true") && !map.contains("\"offset\""), map);
    }

    @Test
    void streamOptimizedGrainsWrittenWholeByParallelWritersLandOnce() throws Exception {
        Path img = dir.resolve("par.vmdk");
        int grains = 48;
        TestContext.create(img, grains * 65536L, Map.of("subformat", "streamOptimized"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (FormatAccess a = TestContext.open(img, true)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    for (int g = id; g < grains; g += 4) {
                        a.write(Patterns.filled(65536, g + 1), g * 65536L);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        byte[] model = new byte[grains * 65536];
        for (int g = 0; g < grains; g++) {
            java.util.Arrays.fill(model, g * 65536, (g + 1) * 65536, (byte) (g + 1));
        }
        Qemu.assertQemuSees(img, model);
    }

    @Test
    void childrenRecordTheirParentAndItsCid() throws IOException {
        Path base = dir.resolve("base.vmdk");
        TestContext.create(base, 4 << 20, Map.of());
        byte[] model = new byte[4 << 20];
        try (FormatAccess a = TestContext.open(base, true)) {
            randomWrites(a, model, new Random(1), 20);
        }
        Path child = dir.resolve("child.vmdk");
        Map<String, String> printed = TestContext.create(child, new CreateRequest(-1, Map.of(), "base.vmdk", "vmdk",
                true));
        assertEquals("{size=4194304, backing_file=base.vmdk, backing_fmt=vmdk, compat6=off, hwversion=undefined}",
                printed.toString());
        String info = QemuTools.qemuImg("info", child);
        assertTrue(info.contains("backing file: base.vmdk") && info.contains("backing file format: vmdk"), info);
        try (FormatAccess a = TestContext.open(child, true)) {
            a.write(Patterns.filled(3000, 0x42), 70_000); // a partial grain: the rest is copied from the parent
            a.writeZeroes(1 << 20, 65536);
        }
        System.arraycopy(Patterns.filled(3000, 0x42).array(), 0, model, 70_000, 3000);
        java.util.Arrays.fill(model, 1 << 20, (1 << 20) + 65536, (byte) 0);
        Qemu.assertQemuSees(child, model);
        assertEquals("", QemuTools.run("qemu-io", "-c", "read 0 4M", child).stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat6=on,hwversion=7", "adapter_type=foo", "subformat=foo",
        "subformat=monolithicFlat,zeroed_grain=on", "zeroed_grain=maybe", "foo=1", "backing_fmt=qcow2"})
    void invalidOptionsAreRefusedAsQemuImgRefusesThem(String spec) {
        Path q = dir.resolve("q.vmdk");
        QemuTools.Result r = QemuTools.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", spec, q, "1M");
        assertEquals(1, r.exitCode(), r.stderr());
        String expected = r.stderr().trim().replace("qemu-img: " + q + ": ", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestContext.create(dir.resolve("s.vmdk"), 1 << 20, options(spec)));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void flatImagesCannotHaveParents() throws IOException {
        TestContext.create(dir.resolve("base.vmdk"), 1 << 20, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestContext.create(
                dir.resolve("f.vmdk"), new CreateRequest(1 << 20, Map.of("subformat", "monolithicFlat"), "base.vmdk",
                        "vmdk", true)));
        assertEquals("Flat image can't have backing file", e.getMessage());
    }
}
