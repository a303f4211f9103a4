package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;

/**
 * A log entry built here from MS-VHDX's layout (not by either implementation): a zero descriptor and a data
 * descriptor whose sector's first 8 and last 4 bytes live in the descriptor. QEMU and Strata replay it to the same
 * bytes; an entry that zeroes far past the file's end is refused.
 */
class HandMadeLogTest {

    private static final long LOG = 1 << 20;
    private static final long DATA = 8 << 20;
    private static final long GUID_LOW = 0x0123456789abcdefL;

    @TempDir
    Path dir;
    Path image;

    @BeforeEach
    void makeImage() {
        image = dir.resolve("l.vhdx");
        Images.img("create", "-q", "-f", "vhdx", image, "16M");
        Images.io("-c", "write -P 0x77 0 1M", image); // block 0 at 8 MiB
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int crc(byte[] b, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(b, from, to - from);
        return (int) c.getValue();
    }

    /** Writes the entry at the log's start and names its GUID in both headers. */
    private void writeEntry(long zeroOffset, long zeroLength, long dataOffset, byte[] sector) throws IOException {
        long seq = 7;
        ByteBuffer e = le(3 * 4096);
        e.putInt(0, 0x65676f6c).putInt(8, e.capacity()).putLong(16, seq).putInt(24, 2);
        e.putLong(32, GUID_LOW).putLong(48, 16 << 20).putLong(56, 16 << 20);
        e.putInt(64, 0x6f72657a).putLong(72, zeroLength).putLong(80, zeroOffset).putLong(88, seq);
        ByteBuffer s = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(96, 0x63736564).putInt(100, s.getInt(4092)).putLong(104, s.getLong(0)).putLong(112, dataOffset)
                .putLong(120, seq);
        e.putInt(4096, 0x61746164).putInt(4100, (int) (seq >>> 32)).put(4104, sector, 8, 4084)
                .putInt(8188, (int) seq);
        e.putInt(4, crc(e.array(), 0, e.capacity()));
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(LOG);
            f.write(e.array());
            for (long h : new long[] {64 << 10, 128 << 10}) {
                byte[] header = new byte[4096];
                f.seek(h);
                f.readFully(header);
                ByteBuffer hb = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
                hb.putLong(48, GUID_LOW).putLong(56, 0).putInt(4, 0);
                hb.putInt(4, crc(header, 0, 4096));
                f.seek(h);
                f.write(header);
            }
        }
    }

    @Test
    void qemuAndStrataReplayItToTheSameBytes() throws IOException {
        byte[] sector = new byte[4096];
        for (int i = 0; i < sector.length; i++) {
            sector[i] = (byte) (i * 7 + 3);
        }
        writeEntry(DATA + 4096, 8192, DATA + 65536, sector);
        Path theirs = dir.resolve("q.vhdx");
        Files.copy(image, theirs);
        Images.io("-c", "read -P 0x77 0 4k", "-c", "read -P 0 4k 8k", "-c", "read -P 0x77 12k 52k", theirs);
        try (FormatAccess a = Images.open(image, true)) {
            assertArrayEquals(sector, Images.read(a, 65536, 4096));
            byte[] zeroes = Images.read(a, 4096, 8192);
            assertArrayEquals(new byte[8192], zeroes);
        }
        byte[] x = Files.readAllBytes(image);
        byte[] y = Files.readAllBytes(theirs);
        assertArrayEquals(Arrays.copyOfRange(y, 192 << 10, y.length), Arrays.copyOfRange(x, 192 << 10, x.length));
        Images.assertClean(image);
    }

    @Test
    void zeroingFarPastTheFilesEndIsRefused() throws IOException {
        writeEntry(DATA, 1L << 50, DATA + 65536, new byte[4096]);
        ImageFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(ImageFormatException.class, () -> Images.open(image, true).close()));
        assertTrue(e.getMessage().contains("beyond the file's end"), e.getMessage());
        assertEquals(16 << 20, Files.size(image));
    }
}
