package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** libnbd's tools (nbdinfo, nbdcopy) against the server. */
class LibnbdInteropTest {

    private static final int SIZE = 4 << 20;
    private static final int CL = SparseTestImage.CLUSTER;
    private static final Pattern EXTENT = Pattern.compile(
            "\\{ \"offset\": (\\d+), \"length\": (\\d+), \"type\": (\\d+)");

    @TempDir
    Path dir;
    private NbdTestServer nbd;

    @BeforeEach
    void start() throws IOException {
        nbd = new NbdTestServer();
    }

    @AfterEach
    void stop() throws IOException {
        nbd.close();
    }

    @Test
    void nbdinfoListsExportsAndTheirFeatures() throws IOException {
        nbd.exportRaw("alpha", TestImages.createRaw(dir.resolve("a.raw"), SIZE), true);
        nbd.exportRaw("beta", TestImages.createRaw(dir.resolve("b.raw"), 1 << 20), false);
        String list = QemuTools.run("nbdinfo", "--list", "nbd://127.0.0.1:" + nbd.port).ok();
        assertTrue(list.contains("export=\"alpha\""), list);
        assertTrue(list.contains("export=\"beta\""), list);
        assertTrue(list.contains("description: raw image a.raw"), list);
        assertTrue(list.contains("export-size: 1048576"), list);
        String info = QemuTools.run("nbdinfo", nbd.url("alpha")).ok();
        for (String line : new String[] {"can_multi_conn: true", "can_fua: true", "can_trim: true", "can_zero: true",
                "can_fast_zero: true", "can_cache: true", "can_df: true", "is_read_only: false",
                "block_size_maximum: 33554432", "base:allocation", "qemu:allocation-depth"}) {
            assertTrue(info.contains(line), line + " in\n" + info);
        }
        assertTrue(QemuTools.run("nbdinfo", nbd.url("beta")).ok().contains("is_read_only: true"));
    }

    @Test
    void nbdinfoMapMatchesTheMappings() throws IOException {
        FormatAccess base = SparseTestImage.open(SIZE, null);
        base.write(Patterns.filled(2 * CL, 1), 0);
        FormatAccess top = nbd.export("top", SparseTestImage.open(SIZE, base), true);
        top.write(Patterns.filled(CL, 2), CL);
        top.writeZeroes(4L * CL, 2L * CL);
        top.write(Patterns.filled(100, 3), 10L * CL);

        List<long[]> expected = new ArrayList<>();
        for (long pos = 0; pos < SIZE; ) {
            Mapping m = top.getMapping(pos, SIZE - pos);
            int type = m instanceof Mapping.Raw ? 0 : 3;
            add(expected, pos, m.length(), type);
            pos += m.length();
        }
        assertEquals(expected.stream().map(java.util.Arrays::toString).toList(),
                map("--map", nbd.url("top")).stream().map(java.util.Arrays::toString).toList());
        assertEquals(List.of(new long[] {0, CL, 2}, new long[] {CL, CL, 1}, new long[] {2L * CL, 2L * CL, 0},
                new long[] {4L * CL, 2L * CL, 1}, new long[] {6L * CL, 4L * CL, 0},
                new long[] {10L * CL, CL, 1}, new long[] {11L * CL, SIZE - 11L * CL, 0})
                .stream().map(java.util.Arrays::toString).toList(),
                map("--map=qemu:allocation-depth", nbd.url("top")).stream().map(java.util.Arrays::toString).toList());
    }

    private static void add(List<long[]> out, long offset, long length, int type) {
        if (!out.isEmpty() && out.get(out.size() - 1)[2] == type) {
            out.get(out.size() - 1)[1] += length;
        } else {
            out.add(new long[] {offset, length, type});
        }
    }

    private static List<long[]> map(String option, String url) {
        String json = QemuTools.run("nbdinfo", "--json", option, url).ok();
        List<long[]> out = new ArrayList<>();
        Matcher m = EXTENT.matcher(json);
        while (m.find()) {
            add(out, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)));
        }
        return out;
    }

    @Test
    void nbdcopyOutOfAndIntoExports() throws IOException {
        byte[] data = Patterns.random(new Random(9), SIZE);
        Path src = dir.resolve("src.raw");
        Files.write(src, data);
        nbd.exportRaw("src", src, false);
        Path out = dir.resolve("out.raw");
        QemuTools.run("nbdcopy", "--flush", nbd.url("src"), out.toString()).ok();
        assertArrayEquals(data, Files.readAllBytes(out));

        Path target = TestImages.createRaw(dir.resolve("target.raw"), SIZE);
        Files.write(target, Patterns.filled(SIZE, 0xee).array());
        nbd.exportRaw("target", target, true);
        byte[] in = Patterns.random(new Random(10), SIZE);
        java.util.Arrays.fill(in, 0, 1 << 20, (byte) 0); // zeroes: nbdcopy zeroes the target there
        Path inFile = dir.resolve("in.raw");
        Files.write(inFile, in);
        QemuTools.run("nbdcopy", "--flush", "--connections=4", "--requests=16", inFile.toString(), nbd.url("target"))
                .ok();
        assertArrayEquals(in, Files.readAllBytes(target));

        // export to export, sparse source: holes arrive as zeroes
        FormatAccess sparse = nbd.export("sparse", SparseTestImage.open(SIZE, null), true);
        sparse.write(Patterns.filled(CL, 0x61), 5L * CL);
        QemuTools.run("nbdcopy", nbd.url("sparse"), nbd.url("target")).ok();
        ByteBuffer expected = ByteBuffer.allocate(SIZE);
        sparse.read(expected, 0);
        assertArrayEquals(expected.array(), Files.readAllBytes(target));
    }
}
