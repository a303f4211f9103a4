package org.strata.testkit;

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
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;

/**
 * An {@link ImageContext} for format driver tests on real files: names an image records resolve relative to its
 * directory and open with the given storage backend (the allowed roots are core's reference gate, tested there);
 * named images open with the format named, or the best probe among the given formats. Closes what it opened.
 */
public final class FileContext implements ImageContext, Closeable {

    private final StorageDriver files;
    private final List<FormatDriver> formats;
    private final String location;
    private final boolean writable;
    private final boolean openBacking;
    private final List<Closeable> opened = new ArrayList<>();

    public FileContext(StorageDriver files, List<FormatDriver> formats, String location, boolean writable,
                       boolean openBacking) {
        this.files = files;
        this.formats = List.copyOf(formats);
        this.location = location;
        this.writable = writable;
        this.openBacking = openBacking;
    }

    /**
     * Opens the image at {@code location} in {@code format} (null: probed among {@code formats}); closing the access
     * closes the storage and whatever the image opened.
     */
    public static FormatAccess open(StorageDriver files, List<FormatDriver> formats, String location, String format,
                                    boolean writable, boolean openBacking) throws IOException {
        Storage s = files.open(location, writable ? StorageOptions.READ_WRITE : StorageOptions.READ_ONLY);
        FileContext ctx = new FileContext(files, formats, location, writable, openBacking);
        try {
            FormatImage image = ctx.driver(format, s).open(s, ctx);
            return TestEngines.of(image, () -> {
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

    /** The driver called {@code format}, or the one that probes {@code s} best when it is null. */
    public FormatDriver driver(String format, Storage s) throws IOException {
        FormatDriver best = null;
        int bestScore = -1;
        if (format == null) {
            ByteBuffer head = ByteBuffer.allocate(FormatDriver.PROBE_BYTES);
            s.read(head, 0);
            head.flip().limit((int) Math.min(head.limit(), s.size()));
            for (FormatDriver d : formats) {
                int score = d.probe(head.duplicate(), s.size());
                if (score > bestScore) {
                    best = d;
                    bestScore = score;
                }
            }
            return best;
        }
        for (FormatDriver d : formats) {
            if (d.name().equals(format)) {
                return d;
            }
        }
        throw new IOException("unknown format " + format);
    }

    private String resolve(String reference) {
        Path p = Path.of(reference);
        return p.isAbsolute() ? reference : Path.of(location).toAbsolutePath().getParent().resolve(p).toString();
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
        FormatAccess a = open(files, formats, resolve(reference), format, false, true);
        opened.add(a);
        return a;
    }

    @Override
    public Storage openFile(String reference, boolean w) throws IOException {
        Storage s = files.open(resolve(reference), w ? StorageOptions.READ_WRITE : StorageOptions.READ_ONLY);
        opened.add(s);
        return s;
    }

    @Override
    public Storage createFile(String reference) throws IOException {
        Storage s = files.create(resolve(reference), StorageOptions.READ_WRITE);
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
