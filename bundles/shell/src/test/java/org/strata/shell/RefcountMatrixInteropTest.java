package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refcount width (1 to 64 bits) with every cluster size (512 bytes to 2 MiB): image:create, writes through
 * image:io and image:convert into qcow2 give images that qemu-img check finds clean and qemu-img compare finds
 * equal to the source. The data (4.5 MiB) needs several refcount blocks with the small clusters and, with 512-byte
 * clusters and 32- or 64-bit refcounts, a larger refcount table; one write allocates 2 MiB at once, more than
 * a refcount block covers in most of the small-cluster cases.
 */
class RefcountMatrixInteropTest {

    static final String SIZE = "6M";

    /**
     * Data runs of every length, an overwrite, and a zeroing that frees clusters a later write reuses (a zeroing,
     * not a discard: a discard leaves what covers no whole cluster as it was, as qemu-io's). The first run
     * stays whole in the source, so convert writes it at once: 512 clusters of 4 KiB, a refcount block's worth
     * with 64-bit refcounts.
     */
    static final List<String> WRITES = List.of("write -q -P 0x11 0 2M", "write -q -P 0x22 3M 512",
            "write -q -P 0x33 3073k 2559k", "write -q -P 0x44 4M 4k", "write -q -z -u 3584k 64k",
            "write -q -P 0x55 3600k 8k", "write -q -P 0x66 5632k 1k");

    @TempDir
    static Path source;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeSource() {
        Qemu q = new Qemu(source);
        q.img("create", "-q", "-f", "raw", "src.raw", SIZE);
        List<String> io = new ArrayList<>(List.of("-f", "raw"));
        for (String w : WRITES) {
            io.addAll(List.of("-c", w));
        }
        io.add("src.raw");
        q.io(io.toArray(String[]::new));
    }

    static Stream<Arguments> geometries() {
        List<Arguments> all = new ArrayList<>();
        for (int clusterSize = 512; clusterSize <= (2 << 20); clusterSize *= 2) {
            for (int refcountBits = 1; refcountBits <= 64; refcountBits *= 2) {
                all.add(Arguments.of(clusterSize, refcountBits));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "cluster_size={0},refcount_bits={1}")
    @MethodSource("geometries")
    void createWriteAndConvertGiveCleanImages(int clusterSize, int refcountBits) throws IOException {
        Qemu q = new Qemu(dir);
        Shell shell = new Shell(dir);
        String src = source.resolve("src.raw").toString();
        String options = "cluster_size=" + clusterSize + ",refcount_bits=" + refcountBits;

        shell.run("image:create", "-q", "-f", "qcow2", "-o", options, "written.qcow2", SIZE).ok();
        q.assertClean("written.qcow2");
        List<String> io = new ArrayList<>();
        for (String w : WRITES) {
            io.addAll(List.of("-c", w));
        }
        io.add("written.qcow2");
        shell.run("image:io", io.toArray(String[]::new)).ok();
        q.assertClean("written.qcow2");
        q.assertSameContent("written.qcow2", src);

        shell.run("image:convert", "-O", "qcow2", "-o", options, src, "converted.qcow2").ok();
        q.assertClean("converted.qcow2");
        q.assertSameContent("converted.qcow2", src);

        for (String image : List.of("written.qcow2", "converted.qcow2")) {
            assertEquals(0, shell.run("image:check", "-q", image).status(), image);
            if (clusterSize == 512 && refcountBits >= 32) {
                // the one-cluster refcount table covers 2 MiB (64 bits) or 4 MiB (32 bits) here: it had to grow
                assertTrue(refcountTableClusters(dir.resolve(image)) > 1, image);
            }
        }
    }

    /** The header's refcount_table_clusters field. */
    private static int refcountTableClusters(Path image) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(56);
            return f.readInt();
        }
    }
}
