package org.strata.format.vdi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.QemuTools;
import org.strata.testkit.StandaloneContext;
import org.strata.testkit.TestEngines;

/** VDI images in tests: created and opened with the driver and the file backend, and read whole. */
final class Images {

    static final VdiFormatDriver DRIVER = new VdiFormatDriver();
    private static final FileStorageDriver FILES = new FileStorageDriver();

    private Images() {
    }

    /** Creates an image as {@code image:create -f vdi -o OPTIONS} would; returns what it prints after the format. */
    static Map<String, String> create(Path path, long size, Map<String, String> options) throws IOException {
        try (Storage s = FILES.create(path.toString(), StorageOptions.READ_WRITE)) {
            return DRIVER.create(s, new CreateRequest(size, options, null, null, true),
                    new StandaloneContext(path.toString(), true));
        }
    }

    /** Opens a VDI image; closing the access closes its storage. */
    static FormatAccess open(Path path, boolean writable) throws IOException {
        Storage s = FILES.open(path.toString(), writable ? StorageOptions.READ_WRITE : StorageOptions.READ_ONLY);
        try {
            return TestEngines.of(DRIVER.open(s, new StandaloneContext(path.toString(), writable)), s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static byte[] readAll(FormatAccess a) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) a.size());
        a.read(b, 0);
        return b.array();
    }

    /** What the guest of the image at {@code path} reads, as Strata reads it. */
    static byte[] readAll(Path path) throws IOException {
        try (FormatAccess a = open(path, false)) {
            return readAll(a);
        }
    }

    /** What the guest reads, as qemu-img reads it ({@code qemu-img convert -f vdi -O raw}). */
    static byte[] qemuReadAll(Path path) throws IOException {
        Path raw = Files.createTempFile(path.getParent(), "qemu-read", ".raw");
        try {
            QemuTools.qemuImg("convert", "-f", "vdi", "-O", "raw", path.toString(), raw.toString());
            return Files.readAllBytes(raw);
        } finally {
            Files.delete(raw);
        }
    }

    /** Fails unless Strata and qemu-img read the same guest bytes from the image. */
    static void assertSameAsQemu(Path path) throws IOException {
        byte[] theirs = qemuReadAll(path);
        byte[] ours = readAll(path);
        assertEquals(theirs.length, ours.length, "guest size of " + path);
        int diff = org.strata.testkit.Patterns.firstDifference(theirs, 0, ours, 0, theirs.length);
        assertEquals(-1, diff, "first differing guest byte of " + path);
    }
}
