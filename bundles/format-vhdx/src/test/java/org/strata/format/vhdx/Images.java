package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
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

/** Creating, opening and reading VHDX images with Strata, and the QEMU tools' view of them, in tests. */
final class Images {

    static final FileStorageDriver FILES = new FileStorageDriver();

    private Images() {
    }

    /** Creates an image with 512-byte sectors; returns what qemu-img would print after "fmt=vhdx". */
    static Map<String, String> create(Path path, long size, Map<String, String> options) throws IOException {
        return create(path, size, options, 512);
    }

    static Map<String, String> create(Path path, long size, Map<String, String> options, int sectorSize)
            throws IOException {
        try (Storage s = FILES.create(path.toString(), StorageOptions.READ_WRITE)) {
            return Creator.create(s, new CreateRequest(size, options, null, null, true), sectorSize);
        }
    }

    /** Opens an image; closing the access closes its file. */
    static FormatAccess open(Path path, boolean writable) throws IOException {
        return open(FILES.open(path.toString(), writable ? StorageOptions.READ_WRITE : StorageOptions.READ_ONLY),
                path, writable);
    }

    /** Opens an image in {@code s} (which the access closes). */
    static FormatAccess open(Storage s, Path path, boolean writable) throws IOException {
        try {
            return TestEngines.of(VhdxImage.open(s, new StandaloneContext(path.toString(), writable)), s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static byte[] read(FormatAccess a, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        a.read(b, offset);
        return b.array();
    }

    static byte[] readAll(FormatAccess a) throws IOException {
        return read(a, 0, (int) a.size());
    }

    static String img(Object... args) {
        return QemuTools.qemuImg(strings(args));
    }

    static String io(Object... args) {
        return QemuTools.qemuIo(strings(args));
    }

    static QemuTools.Result run(Object... args) {
        return QemuTools.run(strings(args));
    }

    private static String[] strings(Object... args) {
        String[] s = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            s[i] = String.valueOf(args[i]);
        }
        return s;
    }

    /** The guest content as qemu-img convert -O raw gives it. */
    static byte[] qemuRaw(Path image) {
        Path out = image.resolveSibling(image.getFileName() + ".qemu.raw");
        img("convert", "-f", "vhdx", "-O", "raw", image, out);
        return QemuTools.readFile(out);
    }

    /** Fails unless qemu-img check finds the image clean. */
    static void assertClean(Path image) {
        QemuTools.Result r = run("qemu-img", "check", image);
        if (r.exitCode() != 0) {
            throw new AssertionError("qemu-img check " + image + " exited " + r.exitCode() + ":\n" + r.stdout()
                    + r.stderr());
        }
    }

    /** Fails unless qemu-img compare finds the VHDX image's content equal to the raw file's. */
    static void assertSameContent(Path vhdx, Path raw) {
        QemuTools.Result r = run("qemu-img", "compare", "-f", "vhdx", "-F", "raw", vhdx, raw);
        if (r.exitCode() != 0) {
            throw new AssertionError("qemu-img compare " + vhdx + " " + raw + ": " + r.stdout() + r.stderr());
        }
    }
}
