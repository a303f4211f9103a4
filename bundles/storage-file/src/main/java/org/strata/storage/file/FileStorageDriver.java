package org.strata.storage.file;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;

/** The {@code file} backend: local files (and host block devices) by path. */
@Component(service = StorageDriver.class, property = StorageDriver.PROPERTY + "=file")
public final class FileStorageDriver implements StorageDriver {

    @Override
    public String name() {
        return "file";
    }

    @Override
    public boolean accepts(String location) {
        return !location.contains("://") && !location.startsWith("json:");
    }

    @Override
    public Storage open(String location, StorageOptions options) throws IOException {
        return FileStorage.open(Path.of(location), options, false);
    }

    @Override
    public Storage create(String location, StorageOptions options) throws IOException {
        return FileStorage.open(Path.of(location), options.withWritable(true), true);
    }
}
