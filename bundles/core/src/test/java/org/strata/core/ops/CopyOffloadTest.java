package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.strata.api.FormatAccess;
import org.strata.format.qcow2.Qcow2FormatDriver;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.FileContext;
import org.strata.testkit.QemuTools;

/**
 * Copy offloading (qemu-img's -C, and -S 0) between local files: the kernel copies the source's data runs
 * (copy_file_range), from a raw file or a qcow2 file's data clusters, into a raw or a new qcow2 target, and the
 * target reads as the source does (qemu-img compare), as with reads and writes.
 */
class CopyOffloadTest {

    /** The qcow2 source's data clusters (the zero-data one included; not the zero cluster). */
    private static final long QCOW2_DATA = 7 * 65536;
    /**
     * What of the raw copy is not a hole: qemu-img convert left the zero data out, and its creation allocated the
     * first 4 KiB (as QEMU's file driver always does).
     */
    private static final long RAW_DATA = 5 * 65536 + 2 * 4096;

    @TempDir
    static Path dir;

    /**
     * A 16 MiB qcow2 whose clusters qemu-io writes in reverse guest order (so its host clusters are not in guest
     * order), one of them zero data, one a zero cluster; and its raw copy.
     */
    @BeforeAll
    static void sources() {
        Path qcow2 = dir.resolve("src.qcow2");
        QemuTools.qemuImg("create", "-q", "-f", "qcow2", qcow2, "16M");
        QemuTools.qemuIo("-f", "qcow2", "-c", "write -P 7 12M 128k", "-c", "write -P 0 9M 64k",
                "-c", "write -P 5 5M 64k", "-c", "write -z 4M 64k", "-c", "write -P 3 1M 128k",
                "-c", "write -P 1 4k 4k", qcow2);
        QemuTools.qemuImg("convert", "-f", "qcow2", "-O", "raw", qcow2, dir.resolve("src.raw"));
    }

    @ParameterizedTest(name = "{0} -> {1}, offloaded {2}")
    @CsvSource({"raw, raw, true", "qcow2, raw, true", "raw, qcow2, true", "qcow2, qcow2, true",
        "raw, raw, false", "qcow2, raw, false", "raw, qcow2, false"})
    void theTargetReadsAsTheSource(String from, String to, boolean offloaded) throws Exception {
        Path target = dir.resolve("dst-" + from + "-" + to + "-" + offloaded + "." + to);
        QemuTools.qemuImg("create", "-q", "-f", to, target, "16M");
        AtomicLong copied = new AtomicLong();
        try (FormatAccess src = open(dir.resolve("src." + from), false);
             FormatAccess dst = open(target, true)) {
            new Convert(List.of(src), counting(dst, copied), new Convert.Settings(4096, false, true, 4, false, offloaded))
                    .run(JobControl.NONE);
        }
        QemuTools.qemuImg("compare", "-f", from, "-F", to, dir.resolve("src." + from), target);
        if (to.equals("qcow2")) {
            QemuTools.qemuImg("check", "-q", target);
        }
        // every data byte the source holds (zero data too) went through the kernel's copy, or none did
        assertEquals(offloaded ? (from.equals("qcow2") ? QCOW2_DATA : RAW_DATA) : 0, copied.get());
    }

    @Test
    void sparseZeroMeansOffloadedToo() throws Exception {
        Path target = dir.resolve("dst-S0.raw");
        QemuTools.qemuImg("create", "-q", "-f", "raw", target, "16M");
        AtomicLong copied = new AtomicLong();
        try (FormatAccess src = open(dir.resolve("src.qcow2"), false);
             FormatAccess dst = open(target, true)) {
            new Convert(List.of(src), counting(dst, copied), new Convert.Settings(0, false, false, 2, true, false))
                    .run(JobControl.NONE);
        }
        QemuTools.qemuImg("compare", "-f", "qcow2", "-F", "raw", dir.resolve("src.qcow2"), target);
        assertEquals(QCOW2_DATA, copied.get());
        assertTrue(QemuTools.qemuImg("map", "-f", "raw", "--output=json", target).contains("\"data\": true"));
    }

    private static FormatAccess open(Path image, boolean writable) throws IOException {
        return FileContext.open(new FileStorageDriver(), List.of(new Qcow2FormatDriver(), new RawFormatDriver()),
                image.toString(), null, writable, false);
    }

    /** The image, counting the bytes its {@code copyFrom} says it copied. */
    private static FormatAccess counting(FormatAccess image, AtomicLong copied) {
        InvocationHandler handler = (proxy, method, args) -> {
            try {
                Object result = method.invoke(image, args);
                if (method.getName().equals("copyFrom")) {
                    copied.addAndGet((Long) result);
                }
                return result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (FormatAccess) Proxy.newProxyInstance(FormatAccess.class.getClassLoader(),
                new Class<?>[] {FormatAccess.class}, handler);
    }
}
