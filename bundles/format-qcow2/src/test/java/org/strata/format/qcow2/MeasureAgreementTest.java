package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.Measurement;
import org.strata.testkit.QemuTools;

/**
 * qcow2's measure against qemu-img measure (QEMU 7.2's qcow2_measure and qcow2_calc_prealloc_size): every
 * cluster size, for sizes and for source images with scattered data (qcow2 data clusters only partly written,
 * zero clusters, preallocated metadata, a backing chain, compressed clusters, a raw file with holes), with the
 * options that change the figures.
 */
class MeasureAgreementTest {

    /** The options tried with every cluster size: all of them without, one of the others in turn with it. */
    static final List<String> VARIANTS = List.of("refcount_bits=1", "refcount_bits=64", "extended_l2=on",
            "preallocation=metadata", "preallocation=falloc", "preallocation=full", "compat=0.10",
            "backing_file=base.raw,backing_fmt=raw", "refcount_bits=8,extended_l2=on,preallocation=metadata",
            "lazy_refcounts=on,refcount_bits=2", "compression_type=zstd");

    static final List<String> SIZES = List.of("0", "12345678", "100M", "17G");

    @TempDir
    static Path dir;

    @BeforeAll
    static void sources() {
        Qemu.img("create", "-q", "-f", "qcow2", dir.resolve("scattered.qcow2"), "20M");
        Qemu.io("-c", "write -P 1 0 300k", "-c", "write -P 2 1000k 3k", "-c", "write -P 3 5M 64k",
                "-c", "write -P 4 9M 1M", "-c", "write -z 12M 1M", "-c", "write -P 5 19M 17k",
                dir.resolve("scattered.qcow2"));
        Qemu.img("create", "-q", "-f", "raw", dir.resolve("base.raw"), "16M");
        Qemu.io("-f", "raw", "-c", "write -P 6 0 300k", "-c", "write -P 7 1000k 3k", "-c", "write -P 8 15M 17k",
                dir.resolve("base.raw"));
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "preallocation=metadata,cluster_size=16k",
                dir.resolve("prealloc.qcow2"), "12M");
        Qemu.io("-c", "write -P 9 100k 300k", "-c", "write -z 1M 1M", dir.resolve("prealloc.qcow2"));
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", dir.resolve("top.qcow2"), "20M");
        Qemu.io("-c", "write -P 10 2M 100k", "-c", "write -P 11 18M 3k", dir.resolve("top.qcow2"));
        Qemu.img("convert", "-c", "-O", "qcow2", dir.resolve("scattered.qcow2"), dir.resolve("compressed.qcow2"));
    }

    @Test
    void everyClusterSizeAgrees() throws IOException {
        List<String> sources = new ArrayList<>(List.of("scattered.qcow2", "base.raw", "prealloc.qcow2", "top.qcow2",
                "compressed.qcow2"));
        SIZES.forEach(size -> sources.add("--size=" + size));
        int turn = 0;
        for (int clusterSize = 512; clusterSize <= (2 << 20); clusterSize *= 2) {
            for (String source : sources) {
                String variant = VARIANTS.get(turn++ % VARIANTS.size());
                if (variant.contains("extended_l2") && clusterSize < 16384) {
                    variant = variant.replace("extended_l2=on", "compat=1.1");
                }
                String base = "cluster_size=" + clusterSize;
                assertAgrees(base, source);
                assertAgrees(base + "," + variant, source);
            }
        }
    }

    @Test
    void optionErrorsAreQemuImgs() throws IOException {
        for (String options : List.of("compat=0.10,refcount_bits=8", "compat=x", "refcount_bits=3",
                "cluster_size=3k", "extended_l2=on,cluster_size=4k", "preallocation=bogus", "cluster_size=512")) {
            for (String source : List.of("scattered.qcow2", "--size=1T")) {
                QemuTools.Result q = QemuTools.run(qemuMeasure(options, source));
                if (q.exitCode() == 0) {
                    assertAgrees(options, source);
                    continue;
                }
                String expected = q.stderr().lines().findFirst().orElseThrow().replace("qemu-img: ", "");
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> measure(options, source), options + " " + source);
                assertEquals(expected, e.getMessage(), options + " " + source);
            }
        }
    }

    private static void assertAgrees(String options, String source) throws IOException {
        JsonObject q = Qemu.json(QemuTools.run(qemuMeasure(options, source)).ok());
        Measurement m = measure(options, source);
        String what = "-o " + options + " " + source + ": qemu-img " + q;
        assertEquals(q.get("required").getAsLong(), m.required(), what);
        assertEquals(q.get("fully-allocated").getAsLong(), m.fullyAllocated(), what);
        assertEquals(q.has("bitmaps") ? q.get("bitmaps").getAsLong() : -1, m.bitmaps(), what);
    }

    private static List<String> qemuMeasure(String options, String source) {
        List<String> args = new ArrayList<>(List.of("qemu-img", "measure", "--output=json", "-O", "qcow2",
                "-o", options));
        args.add(source.startsWith("--") ? source : dir.resolve(source).toString());
        return args;
    }

    private static Measurement measure(String options, String source) throws IOException {
        Map<String, String> o = StrataImagesQemuCheckTest.options(options);
        if (source.startsWith("--size=")) {
            return new Qcow2FormatDriver().measure(CreateOptions.parseSize("size", source.substring(7)), o, null);
        }
        String format = source.endsWith(".raw") ? "raw" : "qcow2";
        try (FormatAccess a = TestContext.open(dir.resolve(source).toString(), format, false, true)) {
            return new Qcow2FormatDriver().measure(a.size(), o, a);
        }
    }
}
