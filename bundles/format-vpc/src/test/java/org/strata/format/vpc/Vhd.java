package org.strata.format.vpc;

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

/** VHD files in tests: opened and created by Strata's driver, converted to raw by qemu-img. */
final class Vhd {

    private static final FileStorageDriver FILES = new FileStorageDriver();

    private Vhd() {
    }

    /** Opens {@code image} with the vpc driver; closing the access closes the file. */
    static FormatAccess open(Path image, boolean writable) throws IOException {
        Storage s = FILES.open(image.toString(), StorageOptions.READ_ONLY.withWritable(writable));
        try {
            return TestEngines.of(new VpcFormatDriver().open(s, new StandaloneContext(image.toString(), writable)), s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Creates {@code image} with Strata; returns what it prints after {@code fmt=vpc}. */
    static Map<String, String> create(Path image, long size, Map<String, String> options) throws IOException {
        try (Storage s = FILES.create(image.toString(), StorageOptions.READ_WRITE)) {
            return new VpcFormatDriver().create(s, new CreateRequest(size, options, null, null, true),
                    new StandaloneContext(image.toString(), true));
        }
    }

    static byte[] readAll(FormatAccess a) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) a.size());
        a.read(b, 0);
        return b.array();
    }

    /** The guest's bytes as qemu-img convert -f vpc -O raw gives them. */
    static byte[] qemuRaw(Path image) {
        Path out = image.resolveSibling(image.getFileName() + ".qemu.raw");
        QemuTools.qemuImg("convert", "-f", "vpc", "-O", "raw", image.toString(), out.toString());
        return QemuTools.readFile(out);
    }
}
