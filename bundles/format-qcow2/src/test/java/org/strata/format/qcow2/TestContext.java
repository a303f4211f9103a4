package org.strata.format.qcow2;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.FileContext;

/** Opening images in tests: the file backend, qcow2 and raw by name (probed only when no format is recorded). */
final class TestContext {

    static final FileStorageDriver FILES = new FileStorageDriver();
    static final List<FormatDriver> FORMATS = List.of(new Qcow2FormatDriver(), new RawFormatDriver());

    private TestContext() {
    }

    /** Opens the image at {@code path}; closing the access closes the storage and whatever the image opened. */
    static FormatAccess open(Path path, boolean writable) throws IOException {
        return open(path.toString(), null, writable, true);
    }

    static FormatAccess open(String location, String format, boolean writable, boolean openBacking)
            throws IOException {
        return FileContext.open(FILES, FORMATS, location, format, writable, openBacking);
    }

    /** A driver's image and what closes after it (its file, what it named). */
    record Opened(FormatImage image, Closeable resources) implements Closeable {
        @Override
        public void close() throws IOException {
            try (resources; image) {
                // closes both
            }
        }
    }

    /**
     * The driver's image alone, without the engine, for the few tests that reach into qcow2's internals (the
     * engine never lets a caller past it).
     */
    static Opened openImage(String location, String format, boolean writable, boolean openBacking)
            throws IOException {
        Storage s = FILES.open(location, writable ? StorageOptions.READ_WRITE : StorageOptions.READ_ONLY);
        FileContext ctx = new FileContext(FILES, FORMATS, location, writable, openBacking);
        try {
            FormatDriver driver = ctx.driver(format, s);
            return new Opened(driver.open(s, ctx), () -> {
                try (s; ctx) {
                    // closes both
                }
            });
        } catch (IOException | RuntimeException e) {
            ctx.close();
            s.close();
            throw e;
        }
    }

    /** A context for the image at {@code location}, opened for writing. */
    static FileContext forImage(String location) {
        return new FileContext(FILES, FORMATS, location, true, true);
    }
}
