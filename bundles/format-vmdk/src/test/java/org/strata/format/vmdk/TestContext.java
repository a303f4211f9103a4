package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.FileContext;

/** Creating and opening vmdk images in tests, with the file backend; parents open with the format they record. */
final class TestContext {

    static final FileStorageDriver FILES = new FileStorageDriver();
    static final List<FormatDriver> FORMATS = List.of(new VmdkFormatDriver(), new RawFormatDriver());

    private TestContext() {
    }

    /** Opens the vmdk image at {@code path}; closing the access closes all it opened. */
    static FormatAccess open(Path path, boolean writable) throws IOException {
        return open(path.toString(), writable);
    }

    static FormatAccess open(String location, boolean writable) throws IOException {
        return FileContext.open(FILES, FORMATS, location, "vmdk", writable, true);
    }

    /** Creates a vmdk image at {@code path} with Strata; returns what qemu-img would print after fmt=vmdk. */
    static Map<String, String> create(Path path, long size, Map<String, String> options) throws IOException {
        return create(path, new CreateRequest(size, options, null, null, true));
    }

    static Map<String, String> create(Path path, CreateRequest request) throws IOException {
        try (Storage s = FILES.create(path.toString(), StorageOptions.READ_WRITE);
             FileContext ctx = new FileContext(FILES, FORMATS, path.toString(), true, true)) {
            return new VmdkFormatDriver().create(s, request, ctx);
        }
    }

    /** The header of the image's first (sparse) extent, read by the driver alone, for tests that poke at it. */
    static SparseHeader firstSparseHeader(Path path) throws IOException {
        try (Storage s = FILES.open(path.toString(), StorageOptions.READ_ONLY);
             FileContext ctx = new FileContext(FILES, FORMATS, path.toString(), false, false);
             VmdkImage image = (VmdkImage) new VmdkFormatDriver().open(s, ctx)) {
            return ((SparseExtent) image.extents().get(0)).header();
        }
    }
}
