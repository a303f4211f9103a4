package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.FormatAccess;
import org.strata.api.Mapping;

/**
 * Images qemu-img creates, of every subformat and option set, written by qemu-io with patterns at scattered and
 * unaligned offsets, partial blocks and zero writes: Strata reads exactly what qemu-img convert reads, and where
 * Strata maps guest data to the file, the file holds that data.
 */
class QemuImagesReadTest {

    /** The writes, some across block boundaries (1 MiB blocks), some zero data, one at the very end. */
    static final List<String> WRITES = List.of("write -P 0x11 0 300k", "write -P 0x22 1048064 1k",
            "write -z 2M 128k", "write -P 0x33 3146240 4096", "write -P 0 5M 64k", "write -P 0x44 6246400 8k",
            "write -P 0x55 8323072 64k", "write -P 0x66 2M 512", "write -z 1M 4k");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"", "block_size=1M", "subformat=fixed", "subformat=fixed,block_state_zero=off",
            "block_state_zero=off,block_size=2M", "log_size=3M,block_size=4M", "block_size=256M"})
    void stratReadsWhatQemuWrote(String options) throws IOException {
        Path image = dir.resolve("q.vhdx");
        List<String> create = new ArrayList<>(List.of("create", "-q", "-f", "vhdx"));
        if (!options.isEmpty()) {
            create.addAll(List.of("-o", options));
        }
        create.addAll(List.of(image.toString(), "8M"));
        Images.img(create.toArray());
        List<Object> io = new ArrayList<>(List.of("-f", "vhdx"));
        for (String w : WRITES) {
            io.addAll(List.of("-c", w));
        }
        io.add(image);
        Images.io(io.toArray());
        byte[] expected = Images.qemuRaw(image);
        try (FormatAccess a = Images.open(image, false)) {
            assertEquals(expected.length, a.size());
            assertArrayEquals(expected, Images.readAll(a), options);
            assertMappingsHoldTheData(a, image, expected);
        }
    }

    /** Every raw mapping points at the guest's bytes in the file; every zero mapping's range reads zero. */
    static void assertMappingsHoldTheData(FormatAccess a, Path image, byte[] guest) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            for (long pos = 0; pos < a.size(); ) {
                Mapping m = a.getMapping(pos, a.size() - pos);
                if (m instanceof Mapping.Raw r) {
                    int n = (int) Math.min(m.length(), 1 << 20);
                    byte[] host = new byte[n];
                    f.seek(r.offset());
                    f.readFully(host);
                    assertArrayEquals(java.util.Arrays.copyOfRange(guest, (int) pos, (int) pos + n), host,
                            "data at guest " + pos);
                    pos += n;
                } else {
                    assertTrue(m instanceof Mapping.Zero, m.toString());
                    for (long i = pos; i < pos + m.length(); i++) {
                        assertEquals(0, guest[(int) i], "zero mapping at " + i);
                    }
                    pos += m.length();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1000, 512, 8 << 20, (8 << 20) + 512})
    void oddSizesHaveQemusSize(long size) throws IOException {
        Path image = dir.resolve("s.vhdx");
        Images.img("create", "-q", "-f", "vhdx", image, size);
        try (FormatAccess a = Images.open(image, false)) {
            assertEquals(Images.qemuRaw(image).length, a.size());
        }
    }
}
