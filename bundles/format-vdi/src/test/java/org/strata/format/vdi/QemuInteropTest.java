package org.strata.format.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.strata.testkit.QemuTools.qemuImg;
import static org.strata.testkit.QemuTools.qemuIo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.ShallowMapping;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Strata and QEMU 7.2 on each other's VDI images, static and dynamic: images qemu-img creates and qemu-io writes
 * (patterns at scattered offsets, partial blocks and sectors, zero writes, the last sector) read the same in
 * Strata, block for block; images Strata creates and writes, qemu-img reads identically, checks clean, and finds
 * laid out as its own.
 */
class QemuInteropTest {

    /** An odd size: 7 MiB and a partial sector, which QEMU rounds up to a whole sector. */
    private static final long SIZE = (7 << 20) + 1000;

    @TempDir
    Path dir;

    private Path qemuImage(String isStatic) {
        Path img = dir.resolve("q-" + isStatic + ".vdi");
        qemuImg("create", "-f", "vdi", "-o", "static=" + isStatic, img.toString(), Long.toString(SIZE));
        qemuIo("-f", "vdi", "-c", "write -P 1 0 64k", "-c", "write -P 2 1047k 3k", "-c", "write -P 3 2100001 777",
                "-c", "write -z 3M 100k", "-c", "write -P 4 5M 1M", "-c", "write -z 6200000 5000",
                "-c", "write -P 5 7339520 1536", img.toString());
        return img;
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void imagesQemuWroteReadTheSame(String isStatic) throws IOException {
        Path img = qemuImage(isStatic);
        Images.assertSameAsQemu(img);
        try (FormatAccess a = Images.open(img, false)) {
            assertEquals(7341056, a.size(), "the size rounded up to a sector, as QEMU does");
        }
    }

    /** The block map as qemu-img map shows it (a static image's extents split at its file's holes, so dynamic). */
    @Test
    void blocksLieWhereQemuImgMapSaysTheyLie() throws IOException {
        Path img = qemuImage("off");
        assertEquals(qemuExtents(img), strataExtents(img));
    }

    private static final Pattern MAP_ENTRY = Pattern.compile("\"start\": (\\d+), \"length\": (\\d+), .*"
            + "\"zero\": (\\w+), \"data\": (\\w+)(?:, \"offset\": (\\d+))?");

    private static List<String> qemuExtents(Path img) {
        List<String> out = new ArrayList<>();
        Matcher m = MAP_ENTRY.matcher(qemuImg("map", "-f", "vdi", "--output=json", img.toString()));
        while (m.find()) {
            out.add(m.group(1) + "+" + m.group(2) + " " + (m.group(4).equals("true") ? "data@" + m.group(5) : "zero"));
        }
        return out;
    }

    /** Strata's mappings, merged as qemu-img map merges extents (same kind, contiguous offsets). */
    private static List<String> strataExtents(Path img) throws IOException {
        List<long[]> runs = new ArrayList<>(); // start, length, host offset or -1
        try (FormatAccess a = Images.open(img, false)) {
            for (long pos = 0; pos < a.size(); ) {
                ShallowMapping m = a.getShallowMapping(pos, a.size() - pos);
                long host = m instanceof ShallowMapping.Raw r ? r.offset() : -1;
                long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && (host < 0) == (last[2] < 0) && (host < 0 || host == last[2] + last[1])) {
                    last[1] += m.length();
                } else {
                    runs.add(new long[] {pos, m.length(), host});
                }
                pos += m.length();
            }
        }
        return runs.stream().map(r -> r[0] + "+" + r[1] + " " + (r[2] < 0 ? "zero" : "data@" + r[2])).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void imagesStrataWroteReadTheSameInQemuAndCheckClean(String isStatic) throws IOException {
        Path img = dir.resolve("s-" + isStatic + ".vdi");
        Images.create(img, SIZE, Map.of("static", isStatic));
        byte[] model = new byte[7341056];
        Random rnd = new Random(5);
        try (FormatAccess a = Images.open(img, true)) {
            write(a, model, 0, Patterns.random(rnd, 65536));
            write(a, model, (1 << 20) - 3000, Patterns.random(rnd, 6000)); // across a block boundary
            write(a, model, 2_100_001, Patterns.random(rnd, 777));          // inside a sector
            write(a, model, 5 << 20, Patterns.random(rnd, 1 << 20));         // one whole block
            write(a, model, model.length - 1536, Patterns.random(rnd, 1536)); // up to the end
            a.writeZeroes(10_000, 20_000);
            Arrays.fill(model, 10_000, 30_000, (byte) 0);
            a.discardToZero(5 << 20, 300_000);
            Arrays.fill(model, 5 << 20, (5 << 20) + 300_000, (byte) 0);
            a.writeZeroes(3 << 20, 1 << 20); // zeroes on an unallocated block allocate nothing
        }
        Path ref = dir.resolve("ref.raw");
        Files.write(ref, model);
        assertEquals(0, QemuTools.run("qemu-img", "compare", "-f", "vdi", "-F", "raw", img.toString(),
                ref.toString()).exitCode(), "qemu-img compare");
        assertEquals("No errors were found on the image.\n", qemuImg("check", "-f", "vdi", img.toString()));
        qemuIo("-f", "vdi", "-c", "read -P 0 3M 1M", img.toString());
        if (isStatic.equals("off")) {
            try (org.strata.api.Storage s = open(img)) {
                assertEquals(6, Header.read(s).blocksAllocated(), "blocks 0, 1, 2, 5, 6, 7 allocated, 3 not");
            }
        }
    }

    private static void write(FormatAccess a, byte[] model, int offset, byte[] data) throws IOException {
        a.write(ByteBuffer.wrap(data), offset);
        System.arraycopy(data, 0, model, offset, data.length);
    }

    private static org.strata.api.Storage open(Path p) throws IOException {
        return new org.strata.storage.file.FileStorageDriver().open(p.toString(),
                org.strata.api.StorageOptions.READ_ONLY);
    }

    /** Strata lays a new image out byte for byte as qemu-img does, but for the two fresh UUIDs. */
    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void newImagesAreLaidOutAsQemuLaysThemOut(String isStatic) throws IOException {
        for (long size : new long[] {0, 1000, 1 << 20, 200L << 20}) {
            Path ours = dir.resolve("ours.vdi");
            Path theirs = dir.resolve("theirs.vdi");
            Files.deleteIfExists(ours);
            Files.deleteIfExists(theirs);
            Images.create(ours, size, Map.of("static", isStatic));
            qemuImg("create", "-f", "vdi", "-o", "static=" + isStatic, theirs.toString(), Long.toString(size));
            assertEquals(Files.size(theirs), Files.size(ours), "file size for " + size);
            byte[] a = head(ours);
            byte[] b = head(theirs);
            for (int at = 0x188; at < 0x1a8; at++) {
                a[at] = b[at] = 0; // the image's and its last snapshot's UUIDs
            }
            assertArrayEquals(b, a, "header and block map for " + size + ", static=" + isStatic);
        }
    }

    private static byte[] head(Path p) throws IOException {
        byte[] all = new byte[(int) Math.min(Files.size(p), 1 << 20)];
        try (var in = Files.newInputStream(p)) {
            in.readNBytes(all, 0, all.length);
        }
        return all;
    }

    /** The UUIDs are random version-4 UUIDs stored as VirtualBox stores them (first three fields little-endian). */
    @Test
    void newImagesHaveFreshUuidsInVirtualBoxsByteOrder() throws IOException {
        Path img = dir.resolve("u.vdi");
        Images.create(img, 1 << 20, Map.of());
        ByteBuffer h = ByteBuffer.wrap(head(img)).order(ByteOrder.LITTLE_ENDIAN);
        int imageVersion = (h.getShort(0x188 + 6) & 0xffff) >>> 12;
        int snapVersion = (h.getShort(0x198 + 6) & 0xffff) >>> 12;
        assertEquals(4, imageVersion);
        assertEquals(4, snapVersion);
        assertEquals(0x80, h.get(0x188 + 8) & 0xc0, "RFC 4122 variant");
        assertNotEquals(h.getLong(0x188), h.getLong(0x198));
        assertEquals(0, h.getLong(0x1a8) | h.getLong(0x1b0) | h.getLong(0x1b8) | h.getLong(0x1c0),
                "no link, no parent");
    }
}
