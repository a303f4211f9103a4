package org.strata.format.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;
import org.strata.api.ImageFormatException;
import org.strata.api.RepairMode;
import org.strata.api.StorageOptions;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/**
 * Pending logs: QEMU's (left by a write to the BAT that blkdebug fails after the log entry is on disk) and
 * Strata's (left the same way by a failing storage). Each tool recognizes the other's pending log, refuses to
 * open it read-only, and replays it to the same bytes.
 */
class LogReplayTest {

    /** A 16 MiB image with the default layout has its BAT at 2 MiB. */
    private static final long BAT = 2 << 20;

    @TempDir
    Path dir;

    /** An image whose first write QEMU logged, but whose BAT update never reached the BAT. */
    private Path qemuPendingLog(String name) throws IOException {
        Path image = dir.resolve(name);
        Images.img("create", "-q", "-f", "vhdx", image, "16M");
        Path conf = dir.resolve("blkdebug.conf");
        Files.writeString(conf, "[inject-error]\nevent = \"pwritev\"\nerrno = \"5\"\nsector = \"" + BAT / 512
                + "\"\nonce = \"on\"\n");
        QemuTools.Result r = Images.run("qemu-io", "-c", "write -P 0x5a 1M 64k", "json:{\"driver\":\"vhdx\","
                + "\"file\":{\"driver\":\"blkdebug\",\"config\":\"" + conf + "\",\"image\":{\"driver\":\"file\","
                + "\"filename\":\"" + image + "\"}}}");
        assertTrue(r.stdout().contains("write failed"), r.stdout() + r.stderr());
        return image;
    }

    /** An image whose first write Strata logged, but whose BAT update never reached the BAT. */
    private Path strataPendingLog(String name) throws IOException {
        Path image = dir.resolve(name);
        Images.create(image, 16 << 20, Map.of());
        FailingStorage failing = new FailingStorage(Images.FILES.open(image.toString(), StorageOptions.READ_WRITE),
                BAT, BAT + (1 << 20));
        FormatAccess a = Images.open(failing, image, true);
        a.write(Patterns.filled(65536, 0x5a), 1 << 20);
        assertThrows(IOException.class, a::flush);
        assertThrows(IOException.class, a::close);
        return image;
    }

    private static void assertRefusedReadOnly(Path image) {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(image, false).close());
        assertTrue(e.getMessage().contains("opened read-only, but contains a log that needs to be replayed"),
                e.getMessage());
        QemuTools.Result q = Images.run("qemu-img", "info", image);
        assertEquals(1, q.exitCode());
        assertTrue(q.stderr().contains("contains a log that needs to be replayed"), q.stderr());
    }

    @Test
    void qemusPendingLogIsReplayedLikeQemuReplaysIt() throws IOException {
        Path ours = qemuPendingLog("a.vhdx");
        Path theirs = dir.resolve("b.vhdx");
        Files.copy(ours, theirs);
        assertRefusedReadOnly(ours);
        try (FormatAccess a = Images.open(ours, true)) {
            assertArrayEquals(Patterns.filled(65536, 0x5a).array(), Images.read(a, 1 << 20, 65536));
            assertEquals(1, a.check(RepairMode.ALL).corruptionsFixed());
        }
        Images.io("-c", "read -P 0x5a 1M 64k", theirs);
        assertSameOutsideTheHeaders(ours, theirs);
        Images.assertClean(ours);
    }

    @Test
    void strataPendingLogIsRecognizedAndReplayedByQemu() throws IOException {
        Path ours = strataPendingLog("c.vhdx");
        Path theirs = dir.resolve("d.vhdx");
        Files.copy(ours, theirs);
        assertRefusedReadOnly(ours);
        Images.io("-c", "read -P 0x5a 1M 64k", "-c", "read -P 0 0 1M", theirs);
        try (FormatAccess a = Images.open(ours, true)) {
            assertArrayEquals(Patterns.filled(65536, 0x5a).array(), Images.read(a, 1 << 20, 65536));
        }
        assertSameOutsideTheHeaders(ours, theirs);
        Images.assertClean(ours);
        Images.assertClean(theirs);
    }

    @Test
    void aLogThatNeedsMoreFileThanThereIsIsRefusedByBoth() throws IOException {
        Path image = qemuPendingLog("t.vhdx");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(3 << 20);
        }
        Path copy = dir.resolve("t2.vhdx");
        Files.copy(image, copy);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.open(image, true).close());
        assertTrue(e.getMessage().contains("cannot be replayed"), e.getMessage());
        assertNotEquals(0, Images.run("qemu-io", "-c", "read 0 512", copy).exitCode());
    }

    /** The files are equal but for the headers (whose GUIDs and sequence numbers each tool draws itself). */
    private static void assertSameOutsideTheHeaders(Path a, Path b) throws IOException {
        byte[] x = Files.readAllBytes(a);
        byte[] y = Files.readAllBytes(b);
        assertEquals(x.length, y.length, "file sizes");
        assertArrayEquals(Arrays.copyOfRange(x, 0, 64 << 10), Arrays.copyOfRange(y, 0, 64 << 10), "file identifier");
        assertArrayEquals(Arrays.copyOfRange(x, 192 << 10, x.length), Arrays.copyOfRange(y, 192 << 10, y.length),
                "everything after the headers");
    }
}
