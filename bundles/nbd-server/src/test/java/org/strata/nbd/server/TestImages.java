package org.strata.nbd.server;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.StandaloneContext;
import org.strata.testkit.TestEngines;

/** Raw images on files, opened as the agent would. */
final class TestImages {
    private TestImages() {
    }

    static Path createRaw(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }

    static FormatAccess openRaw(Path file, boolean writable) throws IOException {
        String location = file.toString();
        Storage s = new FileStorageDriver().open(location, StorageOptions.READ_ONLY.withWritable(writable));
        return TestEngines.of(new RawFormatDriver().open(s, new StandaloneContext(location, writable)), s);
    }
}
