package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.testkit.QemuTools;

/** image:amend's qcow2 part, checked with qemu-img info, check and compare. */
class AmendTest {

    @TempDir
    Path dir;

    private Path image(String options) {
        Path img = dir.resolve("a.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", options, img, "4M");
        Qemu.io("-c", "write -P 1 0 100k", "-c", "write -z 1M 128k", "-c", "write -P 2 3M 64k", img);
        return img;
    }

    private void amend(Path img, Map<String, String> options) throws IOException {
        try (FormatAccess a = TestContext.open(img, true)) {
            a.amend(options);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"refcount_bits=1", "refcount_bits=64", "lazy_refcounts=on", "compat=0.10",
        "compat=1.1", "size=8M", "size=2M"})
    void amendedImagesAreCleanAndKeepTheirData(String option) throws IOException {
        Path img = image(option.equals("compat=1.1") ? "compat=0.10" : "compat=1.1");
        byte[] before = Qemu.raw(img);
        String[] kv = option.split("=");
        amend(img, Map.of(kv[0], kv[1]));
        Qemu.assertClean(img);
        Path ref = dir.resolve("ref.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", option.startsWith("size") ? "compat=1.1" : option, ref, "4M");
        Qemu.img("amend", "-o", option, ref);
        String expected = Qemu.json(Qemu.img("info", "--output=json", ref)).get("format-specific").toString();
        String actual = Qemu.json(Qemu.img("info", "--output=json", img)).get("format-specific").toString();
        assertEquals(expected, actual);
        byte[] after = Qemu.raw(img);
        int n = Math.min(before.length, after.length);
        assertEquals(-1, org.strata.testkit.Patterns.firstDifference(before, 0, after, 0, n));
        if (option.startsWith("size")) {
            assertEquals(Qemu.json(Qemu.img("info", "--output=json", ref)).get("virtual-size").getAsLong(),
                    after.length);
        }
    }

    @Test
    void backingAndDataFileNamesCanBeChanged() throws IOException {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-f", "qcow2", base, "1M");
        Qemu.io("-c", "write -P 0x44 0 1M", base);
        Path copy = dir.resolve("copy.raw");
        Qemu.img("convert", "-O", "raw", base, copy);
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", top);
        // as an unsafe rebase does it: the same data under another name and format
        try (FormatAccess a = TestContext.open(top.toString(), null, true, false)) {
            a.amend(Map.of("backing_file", "copy.raw", "backing_fmt", "raw"));
        }
        Qemu.assertClean(top);
        assertTrue(Qemu.img("info", top).contains("backing file: copy.raw"));
        Qemu.io("-c", "read -P 0x44 0 1M", top);
        try (FormatAccess a = TestContext.open(top.toString(), null, true, false)) {
            a.amend(Map.of("backing_file", ""));
            assertEquals(null, a.info().backingFilename());
        }
        Qemu.assertClean(top);

        Path df = dir.resolve("df.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "data_file=" + dir.resolve("one.data") + ",data_file_raw=on", df,
                "1M");
        Qemu.io("-c", "write -P 0x45 0 64k", df);
        java.nio.file.Files.copy(dir.resolve("one.data"), dir.resolve("two.data"));
        try (FormatAccess a = TestContext.open(df, true)) {
            a.amend(Map.of("data_file", dir.resolve("two.data").toString(), "data_file_raw", "off"));
        }
        java.nio.file.Files.delete(dir.resolve("one.data"));
        Qemu.io("-c", "read -P 0x45 0 64k", df);
        Qemu.assertClean(df);
        String info = Qemu.img("info", "--output=json", df);
        assertTrue(info.contains("two.data\"") && info.contains("\"data-file-raw\": false"), info);
    }

    @Test
    void creationOnlyAndInvalidOptionsAreRefused() {
        Path img = image("compat=1.1");
        String[][] cases = {
            {"foo", "1", "Invalid parameter 'foo'"},
            {"compat", "0.42", "Unknown compatibility level 0.42"},
            {"refcount_bits", "3", "Refcount width must be a power of two and may not exceed 64 bits"},
            {"data_file_raw", "on", "data-file-raw cannot be set on existing images"},
            {"data_file", "x.raw", "data-file can only be set for images that use an external data file"},
        };
        for (String[] c : cases) {
            QemuTools.Result q = Qemu.run("qemu-img", "amend", "-o", c[0] + "=" + c[1], img);
            assertTrue(q.stderr().contains(c[2]), q.stderr());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> amend(img, Map.of(c[0], c[1])));
            assertEquals(c[2], e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> amend(img, Map.of("cluster_size", "4k")));
        assertTrue(e.getMessage().startsWith("Invalid parameter 'cluster_size'"));
    }
}
