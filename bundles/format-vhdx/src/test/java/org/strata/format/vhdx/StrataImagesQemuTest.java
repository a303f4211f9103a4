package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.testkit.Patterns;

/**
 * Images Strata creates and writes, of every subformat and option set: qemu-img check finds them clean,
 * qemu-img compare finds them equal to a raw file written the same way, qemu-img info sees their size and block
 * size, and qemu-io reads the patterns; also after resizes that move the BAT.
 */
class StrataImagesQemuTest {

    @TempDir
    Path dir;

    /** Writes the same to the image and to a raw file of its size. */
    private static final class Twin implements AutoCloseable {
        final FormatAccess image;
        final RandomAccessFile raw;

        Twin(FormatAccess image, Path raw) throws IOException {
            this.image = image;
            this.raw = new RandomAccessFile(raw.toFile(), "rw");
            this.raw.setLength(image.size());
        }

        void write(long offset, byte[] data) throws IOException {
            image.write(ByteBuffer.wrap(data), offset);
            raw.seek(offset);
            raw.write(data);
        }

        void zero(long offset, int length, boolean discard) throws IOException {
            if (discard) {
                image.discardToZero(offset, length);
            } else {
                image.writeZeroes(offset, length);
            }
            raw.seek(offset);
            raw.write(new byte[length]);
        }

        @Override
        public void close() throws IOException {
            image.close();
            raw.close();
        }
    }

    private static Map<String, String> options(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : text.split(",")) {
            if (!kv.isEmpty()) {
                m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "block_size=1M", "subformat=fixed", "subformat=fixed,block_state_zero=off",
            "block_state_zero=off,block_size=2M", "log_size=2M,block_size=1M"})
    void qemuReadsWhatStrataWrote(String text) throws IOException {
        Path image = dir.resolve("s.vhdx");
        Path raw = dir.resolve("s.raw");
        Images.create(image, 12 << 20, options(text));
        Images.assertClean(image);
        Random rnd = new Random(text.hashCode());
        try (Twin t = new Twin(Images.open(image, true), raw)) {
            t.write(0, Patterns.random(rnd, 300_000));
            t.write((1 << 20) - 1000, Patterns.random(rnd, 3000));
            t.write(5 << 20, Patterns.filled(1 << 20, 0x5a).array());
            t.zero(5 << 20, 1 << 20, true);
            t.write(7_000_001, Patterns.random(rnd, 99_999));
            t.zero(7_000_001 + 500, 4000, false);
            t.write(2 << 20, Patterns.filled(3 << 20, 0x77).array());
            t.zero(2 << 20, 2 << 20, true);
            t.write((12 << 20) - 4096, Patterns.random(rnd, 4096));
            t.image.flush();
            t.write(9 << 20, Patterns.random(rnd, 70_000));
        }
        Images.assertClean(image);
        Images.assertSameContent(image, raw);
        String info = Images.img("info", "--output=json", image);
        assertTrue(info.contains("\"virtual-size\": " + (12 << 20)), info);
        Images.io("-c", "read -P 0x77 " + (4 << 20) + " 1M", image);
    }

    @Test
    void resizedImagesStayCleanAndEqual() throws IOException {
        Path image = dir.resolve("r.vhdx");
        Path raw = dir.resolve("r.raw");
        Images.create(image, 3 << 20, Map.of("block_size", "1M"));
        byte[] data = Patterns.random(new Random(3), 3 << 20);
        try (FormatAccess a = Images.open(image, true)) {
            a.write(ByteBuffer.wrap(data), 0);
            a.resize(2_000_896, Preallocation.OFF); // shrink into a block
            a.resize(5 << 20, Preallocation.OFF);
        }
        Images.assertClean(image);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.write(data, 0, 2_000_896);
            f.setLength(5 << 20);
        }
        Images.assertSameContent(image, raw);
    }

    /** 200 GiB in 1 MiB blocks needs more BAT entries than the 1 MiB region holds: the BAT moves. */
    @Test
    void growingPastTheBatRegionMovesTheBat() throws IOException {
        Path image = dir.resolve("m.vhdx");
        Images.create(image, 3 << 20, Map.of("block_size", "1M"));
        long big = 200L << 30;
        try (FormatAccess a = Images.open(image, true)) {
            a.write(Patterns.filled(1 << 20, 7), 1 << 20);
            a.resize(big, Preallocation.OFF);
            a.write(Patterns.filled(4096, 9), big - 4096);
        }
        Images.assertClean(image);
        Images.io("-c", "read -P 7 1M 1M", "-c", "read -P 9 " + (big - 4096) + " 4k", "-c", "read -P 0 2M 1M",
                "-c", "read -P 0 " + (big - (3 << 20)) + " 2M", image);
        assertTrue(Images.img("info", "--output=json", image).contains("\"virtual-size\": " + big));
        try (FormatAccess a = Images.open(image, false)) {
            assertArrayEquals(Patterns.filled(4096, 9).array(), Images.read(a, big - 4096, 4096));
        }
        assertTrue(Files.size(image) < 64 << 20, "only the BAT region, not data, grew the file");
    }
}
