package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.ShallowMapping;
import org.strata.testkit.Patterns;

/** Sizes at the edges, probing, and the backing gate's use. */
class EdgeCasesTest {

    @TempDir
    Path dir;

    @Test
    void sizesAtTheEdges() throws IOException {
        Path zero = dir.resolve("zero.qcow2");
        TestImages.create(zero, 0, Map.of());
        Qemu.assertClean(zero);
        Path odd = dir.resolve("odd.qcow2");
        assertEquals("1000", TestImages.create(odd, 1000, Map.of()).get("size"));
        assertEquals(1024, Qemu.json(Qemu.img("info", "--output=json", odd)).get("virtual-size").getAsLong());
        Path huge = dir.resolve("huge.qcow2");
        TestImages.create(huge, 1L << 40, Map.of());
        try (FormatAccess a = TestContext.open(huge, true)) {
            a.write(Patterns.filled(4096, 0x3c), (1L << 40) - 4096);
            a.write(Patterns.filled(4096, 0x3d), 1L << 39);
        }
        Qemu.assertClean(huge);
        assertTrue(Files.size(huge) < (4 << 20), "sparse metadata: " + Files.size(huge));
        Qemu.io("-c", "read -P 0x3c 1099511623680 4096", "-c", "read -P 0x3d 549755813888 4096", huge);
        assertThrows(IllegalArgumentException.class,
                () -> TestImages.create(dir.resolve("too.qcow2"), 1L << 50, Map.of("cluster_size", "512")));
    }

    /**
     * One write allocating at least a refcount block's worth of clusters (64-bit refcounts: a block covers
     * cluster_size / 8 clusters, as many as an L2 table) must find room: new refcount blocks never land inside
     * the run being allocated, and the search for free clusters does not skip the run while they are created.
     */
    @Test
    void writesSpanningWholeRefcountBlocksAllocate() throws IOException {
        for (String spec : new String[] {"64/512", "32/512", "16/512", "64/1024", "64/2048", "64/4096"}) {
            String[] p = spec.split("/");
            int cs = Integer.parseInt(p[1]);
            int blockWorth = cs / 8 * cs;
            Path img = dir.resolve("rb" + p[0] + "-" + cs + ".qcow2");
            TestImages.create(img, 8 << 20, Map.of("refcount_bits", p[0], "cluster_size", p[1]));
            try (FormatAccess a = TestContext.open(img, true)) {
                a.write(Patterns.filled(blockWorth, 1), 0);
                a.write(Patterns.filled(300 << 10, 2), 5 << 20);
                a.write(Patterns.filled(blockWorth, 3), blockWorth);
            }
            Qemu.assertClean(img);
            Qemu.io("-c", "read -P 1 0 " + blockWorth, "-c", "read -P 2 5M 300k",
                    "-c", "read -P 3 " + blockWorth + " " + blockWorth, img);
        }
    }

    @Test
    void probeAnswersOnlyForQcow2Magic() throws IOException {
        FormatDriver d = new Qcow2FormatDriver();
        Path img = dir.resolve("p.qcow2");
        TestImages.create(img, 1 << 20, Map.of());
        byte[] head = Files.readAllBytes(img);
        assertEquals(100, d.probe(ByteBuffer.wrap(head, 0, 4096), head.length));
        assertEquals(0, d.probe(ByteBuffer.wrap(new byte[4096]), 4096));
        assertEquals(0, d.probe(ByteBuffer.wrap(new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 1}), 8));
    }

    @Test
    void withoutOpeningTheBackingUnallocatedRangesReadAsZeroes() throws IOException {
        Path base = dir.resolve("b.qcow2");
        Qemu.img("create", "-f", "qcow2", base, "1M");
        Qemu.io("-c", "write -P 7 0 1M", base);
        Path top = dir.resolve("t.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", top);
        try (FormatAccess a = TestContext.open(top.toString(), null, false, false)) {
            assertTrue(a.getShallowMapping(0, 4096) instanceof ShallowMapping.Zero);
            assertArrayEquals(new byte[4096], TestImages.read(a, 0, 4096));
            assertEquals("b.qcow2", a.info().backingFilename());
        }
        try (FormatAccess a = TestContext.open(top.toString(), null, true, false)) {
            // Copy-on-write would need the backing data: refused, never written as zeroes.
            assertThrows(IOException.class, () -> a.write(Patterns.filled(512, 1), 0));
        }
        Qemu.io("-c", "read -P 7 0 1M", top);
        Qemu.assertClean(top);
    }
}
