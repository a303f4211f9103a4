package org.strata.storage.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.osgi.service.component.annotations.Component;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;

/**
 * The {@code file} backend: local files and host block devices by path, with QEMU-compatible image locking
 * (a writer is refused while QEMU or another Strata uses the image; {@code -U} takes no locks) and O_DIRECT.
 */
@Component(service = StorageDriver.class, property = StorageDriver.PROPERTY + "=file")
public final class FileStorageDriver implements StorageDriver {

    @Override
    public String name() {
        return "file";
    }

    /**
     * Absolute paths: the opener makes every local name absolute, and anything else (a URL, an {@code rbd:} name)
     * is another backend's.
     */
    @Override
    public boolean accepts(String location) {
        return location.startsWith("/");
    }

    /**
     * The real path: symbolic links resolved, so a link cannot lead outside a root. A file that does not exist (yet)
     * lies where it would be created: below the real path of its nearest existing ancestor.
     */
    @Override
    public StoragePath pathOf(String location) throws IOException {
        Path file = path(location).toAbsolutePath().normalize();
        Path existing = file;
        while (existing.getParent() != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return StoragePath.of("/", existing.toRealPath().resolve(existing.relativize(file)).toString());
    }

    @Override
    public Storage open(String location, StorageOptions options) throws IOException {
        return FileOpener.open(path(location), options, false);
    }

    @Override
    public Storage create(String location, StorageOptions options) throws IOException {
        return FileOpener.open(path(location), options.withWritable(true), true);
    }

    private static Path path(String location) throws IOException {
        try {
            return Path.of(location);
        } catch (InvalidPathException e) {
            throw FileErrors.openFailure(location, "invalid file name (" + e.getReason() + ")");
        }
    }
}
