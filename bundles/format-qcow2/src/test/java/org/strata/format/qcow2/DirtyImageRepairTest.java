package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.FormatAccess;

/**
 * A dirty image (lazy refcounts, not closed cleanly) is repaired when opened for writing as QEMU repairs it: the
 * whole of {@code check -r all}, COPIED flags included, not only the refcounts. A power cut while a snapshot is
 * taken can leave active L2 entries without COPIED, their snapshot table never written (found by the power-cut
 * test of itests).
 */
class DirtyImageRepairTest {

    private static final long COPIED = 1L << 63;
    private static final long INCOMPAT_DIRTY = 1;

    @TempDir
    Path dir;

    @Test
    void openingADirtyImageForWritingRepairsCopiedFlagsToo() throws IOException {
        Path img = dir.resolve("cut.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "lazy_refcounts=on", img, "1M");
        Qemu.io("-c", "write -P 0x42 0 64k", img);
        // as a cut after the COPIED flags were cleared for a snapshot that never reached the disk
        try (FileChannel f = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long l1 = readLong(f, 40);
            long l2 = readLong(f, l1) & 0x00fffffffffffe00L;
            writeLong(f, l2, readLong(f, l2) & ~COPIED);
            writeLong(f, 72, readLong(f, 72) | INCOMPAT_DIRTY);
        }
        assertEquals(2, Qemu.run("qemu-img", "check", img).exitCode(), "the cut image has a wrong COPIED flag");

        try (FormatAccess a = TestContext.open(img, true)) {
            assertTrue(a.size() > 0);
        }
        Qemu.assertClean(img);
        Qemu.io("-c", "read -P 0x42 0 64k", img);
    }

    private static long readLong(FileChannel f, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8);
        f.read(b, offset);
        return b.flip().getLong();
    }

    private static void writeLong(FileChannel f, long offset, long value) throws IOException {
        f.write(ByteBuffer.allocate(8).putLong(value).flip(), offset);
    }
}
