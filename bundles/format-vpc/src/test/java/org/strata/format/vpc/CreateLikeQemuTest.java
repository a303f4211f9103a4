package org.strata.format.vpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.CreateRequest;
import org.strata.testkit.QemuTools;

/**
 * New images are qemu-img's, byte for byte but for the footer's timestamp, unique id and checksum: the same size
 * rounded to the same CHS geometry (or forced), the same header, table and footers, the same printed options
 * and the same refusals.
 */
class CreateLikeQemuTest {

    @TempDir
    Path dir;

    /** Sizes around every branch of the geometry algorithm and its limits, and random ones. */
    private static List<Long> sizes() {
        List<Long> sizes = new ArrayList<>(List.of(0L, 1L, 511L, 512L, 1000L, 34816L, 1L << 20, 3L << 20,
                10L << 20, 4L * 17 * 1024 * 512, 16L * 17 * 1024 * 512 - 512, 16L * 17 * 1024 * 512,
                16L * 31 * 1024 * 512 + 512, 1L << 30, 4L << 30, 31L << 30, 32L << 30, 65535L * 16 * 63 * 512 - 512,
                65535L * 16 * 63 * 512, 127L << 30, Chs.MAX_SECTORS * 512 - 4096, Chs.MAX_SECTORS * 512,
                Chs.MAX_SECTORS * 512 + 512, 1L << 40, Footer.MAX_SECTORS * 512));
        Random rnd = new Random(42);
        for (int i = 0; i < 12; i++) {
            sizes.add((rnd.nextLong() >>> 1) % (200L << 30));
            sizes.add((long) rnd.nextInt(64 << 20));
        }
        return sizes;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "force_size=on", "subformat=fixed", "subformat=fixed,force_size=on"})
    void everySizeGivesQemusImage(String options) throws IOException {
        Map<String, String> opts = parse(options);
        boolean fixed = options.contains("fixed");
        for (long size : sizes()) {
            if (fixed && size > (64L << 30)) {
                continue; // a fixed disk's file is as large as the disk (sparse, but not every file system has holes)
            }
            Path theirs = dir.resolve("q.vhd");
            Path ours = dir.resolve("s.vhd");
            Files.deleteIfExists(ours);
            List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "vpc"));
            if (!options.isEmpty()) {
                cmd.addAll(List.of("-o", options));
            }
            cmd.addAll(List.of(theirs.toString(), Long.toString(size)));
            QemuTools.run(cmd).ok();
            Vhd.create(ours, size, opts);
            String what = "size " + size + " -o " + options;
            assertEquals(Files.size(theirs), Files.size(ours), what);
            if (fixed) {
                assertArrayEquals(footer(theirs, Files.size(theirs) - 512), footer(ours, Files.size(ours) - 512), what);
            } else {
                assertArrayEquals(masked(theirs), masked(ours), what);
            }
        }
    }

    @Test
    void tooLargeDisksAreRefusedAsByQemu() throws IOException {
        long tooLarge = Footer.MAX_SECTORS * 512 + 512;
        for (String options : List.of("", "force_size=on")) {
            QemuTools.Result q = QemuTools.run("qemu-img", "create", "-q", "-f", "vpc", "-o", "subformat=dynamic"
                    + (options.isEmpty() ? "" : "," + options), dir.resolve("q.vhd").toString(), Long.toString(tooLarge));
            assertEquals(1, q.exitCode());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Vhd.create(dir.resolve("s.vhd"), tooLarge, parse(options)));
            assertTrue(q.stderr().contains(e.getMessage()), q.stderr() + " / " + e.getMessage());
        }
    }

    @Test
    void optionsArePrintedAndRefusedAsByQemu() throws IOException {
        record Case(String options, String printed) {
        }
        for (Case c : List.of(new Case("", "size=10485760"),
                new Case("force_size=on,subformat=fixed", "size=10485760 subformat=fixed force_size=on"),
                new Case("force_size=yes", "size=10485760 force_size=yes"),
                new Case("preallocation=full,subformat=dynamic", "size=10485760 subformat=dynamic preallocation=full"))) {
            List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-f", "vpc"));
            if (!c.options().isEmpty()) {
                cmd.addAll(List.of("-o", c.options()));
            }
            cmd.addAll(List.of(dir.resolve("q.vhd").toString(), "10M"));
            String q = QemuTools.run(cmd).ok();
            assertEquals("Formatting '" + dir.resolve("q.vhd") + "', fmt=vpc " + c.printed() + "\n", q);
            Files.deleteIfExists(dir.resolve("s.vhd"));
            Map<String, String> printed = Vhd.create(dir.resolve("s.vhd"), 10 << 20, parse(c.options()));
            StringBuilder sb = new StringBuilder();
            printed.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
            assertEquals(c.printed(), sb.toString());
        }
        for (String bad : List.of("subformat=foo", "subformat=FIXED", "force_size=maybe", "bogus=1",
                "preallocation=metadata", "preallocation=bad")) {
            QemuTools.Result q = QemuTools.run("qemu-img", "create", "-f", "vpc", "-o", bad,
                    dir.resolve("q.vhd").toString(), "10M");
            assertEquals(1, q.exitCode(), bad);
            Files.deleteIfExists(dir.resolve("s.vhd"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Vhd.create(dir.resolve("s.vhd"), 10 << 20, parse(bad)));
            assertTrue(q.stderr().trim().endsWith(e.getMessage()), q.stderr() + " / " + e.getMessage());
        }
        QemuTools.Result q = QemuTools.run("qemu-img", "create", "-f", "vpc", "-b", "x.vhd", "-F", "vpc",
                dir.resolve("q.vhd").toString(), "10M");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VpcFormatDriver()
                .create(null, new CreateRequest(10 << 20, Map.of(), "x.vhd", "vpc", false), null));
        assertTrue(q.stderr().trim().endsWith(e.getMessage()), q.stderr() + " / " + e.getMessage());
    }

    private static Map<String, String> parse(String options) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : options.split(",")) {
            if (!kv.isEmpty()) {
                m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return m;
    }

    /** The file with the fields every new footer has its own of (timestamp, checksum, unique id) zeroed. */
    private static byte[] masked(Path image) throws IOException {
        byte[] b = Files.readAllBytes(image);
        maskFooter(b, 0);
        maskFooter(b, b.length - 512);
        return b;
    }

    private static byte[] footer(Path image, long offset) throws IOException {
        byte[] b = new byte[512];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(offset);
            f.readFully(b);
        }
        maskFooter(b, 0);
        return b;
    }

    private static void maskFooter(byte[] b, int at) {
        java.util.Arrays.fill(b, at + 24, at + 28, (byte) 0);
        java.util.Arrays.fill(b, at + 64, at + 84, (byte) 0);
    }
}
