package org.strata.format.qcow2;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.TestEngines;

/**
 * A test-only {@link ImageContext}: resolves references relative to the image's directory, opens them with the
 * file backend, raw and qcow2 by name (probing only when no format is recorded), and closes what it opened.
 */
final class TestContext implements ImageContext, Closeable {

    static final FileStorageDriver FILES = new FileStorageDriver();

    private final String location;
    private final boolean writable;
    private final boolean openBacking;
    private final List<Closeable> opened = new ArrayList<>();

    TestContext(String location, boolean writable, boolean openBacking) {
        this.location = location;
        this.writable = writable;
        this.openBacking = openBacking;
    }

    /** Opens the image at {@code path}; closing the access closes the storage and whatever the image opened. */
    static FormatAccess open(Path path, boolean writable) throws IOException {
        return open(path.toString(), null, writable, true);
    }

    static FormatAccess open(String location, String format, boolean writable, boolean openBacking)
            throws IOException {
        Opened o = openImage(location, format, writable, openBacking);
        return TestEngines.of(o.image(), o.resources());
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
        TestContext ctx = new TestContext(location, writable, openBacking);
        try {
            FormatDriver driver = driverFor(format, s);
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

    static FormatDriver driverFor(String format, Storage s) throws IOException {
        if (format == null) {
            ByteBuffer head = ByteBuffer.allocate(FormatDriver.PROBE_BYTES);
            s.read(head, 0);
            head.flip();
            format = new Qcow2FormatDriver().probe(head, s.size()) == 100 ? "qcow2" : "raw";
        }
        return switch (format) {
            case "qcow2" -> new Qcow2FormatDriver();
            case "raw" -> new RawFormatDriver();
            default -> throw new IOException("unknown format " + format);
        };
    }

    private String resolve(String reference) {
        Path p = Path.of(reference);
        if (p.isAbsolute()) {
            return p.toString();
        }
        Path parent = Path.of(location).toAbsolutePath().getParent();
        return parent.resolve(reference).toString();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public boolean openBacking() {
        return openBacking;
    }

    @Override
    public FormatAccess openBacking(String reference, String format) throws IOException {
        FormatAccess a = open(resolve(reference), format, false, true);
        opened.add(a);
        return a;
    }

    @Override
    public Storage openFile(String reference, boolean w) throws IOException {
        Storage s = FILES.open(resolve(reference), w ? StorageOptions.READ_WRITE : StorageOptions.READ_ONLY);
        opened.add(s);
        return s;
    }

    @Override
    public Storage createFile(String reference) throws IOException {
        Storage s = FILES.create(resolve(reference), StorageOptions.READ_WRITE);
        opened.add(s);
        return s;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        opened.clear();
        if (first != null) {
            throw first;
        }
    }
}
