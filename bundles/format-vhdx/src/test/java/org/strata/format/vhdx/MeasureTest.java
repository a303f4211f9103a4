package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.Measurement;
import org.strata.testkit.Patterns;

/** image:measure's figures are the sizes of the files Strata then writes: with the source's data, and full. */
class MeasureTest {

    @TempDir
    Path dir;

    private static Map<String, String> options(String text) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String kv : text.split(",")) {
            m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"block_size=1M", "subformat=fixed,block_size=1M",
            "subformat=fixed,block_state_zero=off,block_size=2M", "block_size=4M,log_size=2M"})
    void figuresAreTheSizesOfTheFilesWritten(String text) throws IOException {
        long size = (7 << 20) + 3072;
        Path source = dir.resolve("src.vhdx");
        Images.create(source, size, Map.of("block_size", "1M"));
        try (FormatAccess s = Images.open(source, true)) {
            s.write(Patterns.filled(4096, 1), 100_000);
            s.write(Patterns.filled(4096, 2), size - 4096);
        }
        Measurement m;
        try (FormatAccess s = Images.open(source, false)) {
            m = new VhdxFormatDriver().measure(-1, options(text), s);
        }
        Path copy = dir.resolve("copy.vhdx");
        Images.create(copy, size, options(text));
        try (FormatAccess c = Images.open(copy, true)) {
            c.write(Patterns.filled(4096, 1), 100_000);
            c.write(Patterns.filled(4096, 2), size - 4096);
        }
        assertEquals(Files.size(copy), m.required(), "required");
        Path full = dir.resolve("full.vhdx");
        Images.create(full, size, options(text));
        try (FormatAccess f = Images.open(full, true)) {
            for (long p = 0; p < size; p += 512 << 10) {
                f.write(Patterns.filled(512, 3), p);
            }
        }
        assertEquals(Files.size(full), m.fullyAllocated(), "fully allocated");
        Images.assertClean(copy);
        Images.assertClean(full);
    }
}
