package org.strata.format.vpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Both ways with the real qemu-img and qemu-io, for every subformat with and without force_size: what they write
 * Strata reads byte for byte and maps as qemu-img map does; what Strata writes into their images or its own they
 * read back; and the same writes give the same file, bitmaps, table and footers included.
 */
class QemuInteropTest {

    @TempDir
    Path dir;

    private Path qemuImage(String name, String options, String size) {
        Path img = dir.resolve(name);
        QemuTools.qemuImg("create", "-q", "-f", "vpc", "-o", options, img.toString(), size);
        return img;
    }

    private static long virtualSize(Path img) {
        Matcher m = Pattern.compile("\"virtual-size\": (\\d+)")
                .matcher(QemuTools.qemuImg("info", "-f", "vpc", "--output=json", img.toString()));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=dynamic,force_size=on",
        "subformat=fixed,force_size=on"})
    void readsAndMapsWhatQemuWroteThenWritesWhatQemuReads(String options) throws IOException {
        Path img = qemuImage("q.vhd", options, "7M");
        long size = virtualSize(img);
        QemuTools.qemuIo("-f", "vpc",
                "-c", "write -P 0x11 0 4k",
                "-c", "write -P 0x22 100k 300k",
                "-c", "write -P 0x33 2047k 2k",
                "-c", "write -z 2500k 100k",
                "-c", "write -P 0x44 4M 1M",
                "-c", "write -z 4352k 64k",
                "-c", "write -P 0x55 " + (size - 7) + " 7",
                img.toString());
        byte[] expected = Vhd.qemuRaw(img);
        try (FormatAccess a = Vhd.open(img, false)) {
            assertEquals(size, a.size());
            byte[] got = Vhd.readAll(a);
            int diff = Patterns.firstDifference(expected, 0, got, 0, expected.length);
            assertEquals(-1, diff, "first difference at byte " + diff);
            assertMapAgrees(img, a);
        }
        try (FormatAccess a = Vhd.open(img, true)) {
            randomOps(a, expected, new Random(options.hashCode()), 60);
        }
        assertEquals(size, virtualSize(img));
        assertQemuReads(img, expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=dynamic,force_size=on",
        "subformat=fixed,force_size=on"})
    void imagesStrataCreatesAndWritesReadTheSameInQemu(String options) throws IOException {
        Path img = dir.resolve("s.vhd");
        Vhd.create(img, 9 << 20, optionMap(options));
        long size = virtualSize(img);
        byte[] model = new byte[(int) size];
        try (FormatAccess a = Vhd.open(img, true)) {
            assertEquals(size, a.size());
            a.setWriteParallelization(3);
            randomOps(a, model, new Random(options.hashCode() * 31L), 80);
        }
        assertQemuReads(img, model);
    }

    /** The same writes through qemu-io and through Strata leave the same file (but for each footer's own fields). */
    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=dynamic,force_size=on"})
    void theSameWritesGiveTheSameFile(String options) throws IOException {
        Path theirs = qemuImage("q.vhd", options, "8M");
        Path ours = dir.resolve("s.vhd");
        Vhd.create(ours, 8 << 20, optionMap(options));
        long[][] writes = {{1, 0, 4096}, {2, 3 << 20, 65536}, {3, (2 << 20) - 512, 1024}, {4, 6 << 20, 1 << 20},
            {5, 100_000, 512}};
        List<String> cmd = new ArrayList<>(List.of("-f", "vpc"));
        try (FormatAccess a = Vhd.open(ours, true)) {
            for (long[] w : writes) {
                cmd.addAll(List.of("-c", "write -P " + w[0] + " " + w[1] + " " + w[2]));
                a.write(Patterns.filled((int) w[2], (int) w[0]), w[1]);
            }
        }
        cmd.add(theirs.toString());
        QemuTools.qemuIo(cmd.toArray(String[]::new));
        byte[] q = Files.readAllBytes(theirs);
        byte[] s = Files.readAllBytes(ours);
        assertEquals(q.length, s.length);
        maskFooter(q, 0);
        maskFooter(s, 0);
        maskFooter(q, q.length - 512);
        maskFooter(s, s.length - 512);
        int diff = Patterns.firstDifference(q, 0, s, 0, q.length);
        assertEquals(-1, diff, "first difference at file offset " + diff);
    }

    private static void maskFooter(byte[] b, int at) {
        Arrays.fill(b, at + 24, at + 28, (byte) 0);
        Arrays.fill(b, at + 64, at + 84, (byte) 0);
    }

    /** Writes, zeroes and discards at random, keeping {@code model} what the guest should read. */
    static void randomOps(FormatAccess a, byte[] model, Random rnd, int count) throws IOException {
        int size = model.length;
        for (int i = 0; i < count; i++) {
            int off = rnd.nextInt(size);
            int len = Math.min(size - off, 1 + (rnd.nextBoolean() ? rnd.nextInt(4096) : rnd.nextInt(700_000)));
            int op = rnd.nextInt(10);
            if (op < 7) {
                byte[] data = Patterns.random(rnd, len);
                a.write(ByteBuffer.wrap(data), off);
                System.arraycopy(data, 0, model, off, len);
            } else {
                if (op < 9) {
                    a.writeZeroes(off, len);
                } else {
                    a.discardToZero(off, len);
                }
                Arrays.fill(model, off, off + len, (byte) 0);
            }
        }
    }

    /** qemu-img opens the image and finds the guest's bytes equal to {@code model}. */
    private void assertQemuReads(Path img, byte[] model) throws IOException {
        Path raw = dir.resolve("model.raw");
        Files.write(raw, model);
        QemuTools.Result r = QemuTools.run("qemu-img", "compare", "-f", "vpc", "-F", "raw", img.toString(),
                raw.toString());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    /** Strata's mappings say what qemu-img map says: data at the same host offsets, zeroes elsewhere. */
    private static void assertMapAgrees(Path img, FormatAccess a) throws IOException {
        String json = QemuTools.qemuImg("map", "-f", "vpc", "--output=json", img.toString());
        Matcher m = Pattern.compile("\"start\": (\\d+), \"length\": (\\d+),.*?\"data\": (true|false)"
                + "(?:, \"offset\": (\\d+))?").matcher(json);
        int entries = 0;
        while (m.find()) {
            entries++;
            long start = Long.parseLong(m.group(1));
            long end = start + Long.parseLong(m.group(2));
            boolean data = m.group(3).equals("true");
            for (long pos = start; pos < end; ) {
                ShallowMapping s = a.getShallowMapping(pos, end - pos);
                String where = "at " + pos + " (qemu: " + m.group() + ", strata: " + s + ")";
                if (data) {
                    ShallowMapping.Raw r = assertInstanceOf(ShallowMapping.Raw.class, s, where);
                    assertEquals(Long.parseLong(m.group(4)) + pos - start, r.offset(), where);
                } else {
                    assertTrue(s instanceof ShallowMapping.Zero z && z.explicit(), where);
                }
                pos += s.length();
            }
        }
        assertTrue(entries > 0, json);
    }

    private static Map<String, String> optionMap(String options) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String kv : options.split(",")) {
            m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return m;
    }
}
