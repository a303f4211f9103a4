package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.testkit.Patterns;

/**
 * Past the first chunk: with 1 MiB blocks and 512-byte sectors, a sector bitmap entry follows every 4096 payload
 * entries, so block 4096 (at 4 GiB) has BAT entry 4097. Both tools place and find blocks there alike.
 */
class ChunkRatioTest {

    private static final long GIB = 1L << 30;
    private static final long BAT = 2 << 20;

    @TempDir
    Path dir;

    @Test
    void blocksPastTheFirstChunkAreWhereQemuPutsThem() throws IOException {
        Path image = dir.resolve("big.vhdx");
        Images.img("create", "-q", "-f", "vhdx", "-o", "block_size=1M", image, "6G");
        Images.io("-c", "write -P 0x11 " + (4 * GIB - (512 << 10)) + " 1M", "-c", "write -P 0x22 " + 5 * GIB + " 64k",
                image);
        try (FormatAccess a = Images.open(image, true)) {
            assertArrayEquals(Patterns.filled(1 << 20, 0x11).array(), Images.read(a, 4 * GIB - (512 << 10), 1 << 20));
            assertArrayEquals(Patterns.filled(65536, 0x22).array(), Images.read(a, 5 * GIB, 65536));
            assertArrayEquals(new byte[65536], Images.read(a, 5 * GIB + 65536, 65536));
            a.write(Patterns.filled(65536, 0x33), 4 * GIB + (3 << 20));
            a.write(Patterns.filled(4096, 0x44), 6 * GIB - 4096);
        }
        Images.assertClean(image);
        Images.io("-c", "read -P 0x33 " + (4 * GIB + (3 << 20)) + " 64k", "-c", "read -P 0x44 " + (6 * GIB - 4096)
                + " 4k", "-c", "read -P 0x11 " + 4 * GIB + " 512k", image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            assertEquals(0, entry(f, 4096), "the sector bitmap entry stays unused");
            assertEquals(6, entry(f, 4097) & 7, "block 4096 is present");
            assertEquals(6, entry(f, 4096 + 1 + 3) & 7, "block 4099 is present");
        }
    }

    private static long entry(RandomAccessFile f, long index) throws IOException {
        byte[] b = new byte[8];
        f.seek(BAT + 8 * index);
        f.readFully(b);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
