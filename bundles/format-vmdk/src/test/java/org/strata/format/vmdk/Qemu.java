package org.strata.format.vmdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.strata.api.FormatAccess;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** Comparisons of Strata's view of images with the QEMU tools'. */
final class Qemu {

    private Qemu() {
    }

    /** The guest's bytes as qemu-img convert -O raw gives them. */
    static byte[] raw(Path image) {
        Path out = image.resolveSibling(image.getFileName() + ".qemu.raw");
        QemuTools.qemuImg("convert", "-O", "raw", image, out);
        return QemuTools.readFile(out);
    }

    static byte[] readAll(FormatAccess a) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) a.size());
        a.read(b, 0);
        return b.array();
    }

    /** Fails unless Strata reads {@code image} byte for byte as qemu-img does. */
    static void assertReadsLikeQemu(Path image) throws IOException {
        assertReads(image, raw(image));
    }

    /** Fails unless Strata reads {@code image} as {@code expected}. */
    static void assertReads(Path image, byte[] expected) throws IOException {
        try (FormatAccess a = TestContext.open(image, false)) {
            assertEquals(expected.length, a.size(), "size of " + image);
            byte[] got = readAll(a);
            int diff = Patterns.firstDifference(expected, 0, got, 0, expected.length);
            assertEquals(-1, diff, image + ": first difference at byte " + diff);
        }
    }

    /** Fails unless qemu-img check finds {@code image} clean and it shows the guest {@code model}. */
    static void assertQemuSees(Path image, byte[] model) throws IOException {
        QemuTools.Result check = QemuTools.run("qemu-img", "check", image);
        assertEquals(0, check.exitCode(), "qemu-img check " + image + ": " + check.stdout() + check.stderr());
        Path raw = image.resolveSibling(image.getFileName() + ".model.raw");
        java.nio.file.Files.write(raw, model);
        QemuTools.Result cmp = QemuTools.run("qemu-img", "compare", "-f", "vmdk", "-F", "raw", image, raw);
        assertEquals(0, cmp.exitCode(), "qemu-img compare " + image + ": " + cmp.stdout() + cmp.stderr());
    }
}
