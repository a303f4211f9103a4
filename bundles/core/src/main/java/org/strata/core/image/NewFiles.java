package org.strata.core.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.engine.AlignedStorage;

/**
 * The files one image creation made, so that a failure, then or later (a convert that fails after creating its
 * target), removes them again. Only local files that did not exist before are ever removed: never a file that was
 * there (it may have been truncated, but it is the user's), a block device, or a remote export.
 */
public final class NewFiles {

    private final List<Path> files = new ArrayList<>();

    /**
     * Creates a storage object through {@code driver}, remembering it when it is a new local file; a failure names
     * the file as {@code name} (as the user or the image gave it).
     */
    Storage create(StorageDriver driver, String location, StorageOptions options, String name) throws IOException {
        boolean existed = ImageLocation.isUrl(location) || exists(location);
        Storage storage;
        try {
            storage = AlignedStorage.forAnyRequest(driver.create(location, options));
        } catch (IOException e) {
            throw new IOException("Could not create '" + name + "': " + Errors.oneLine(e), e);
        }
        if (!existed) {
            synchronized (files) {
                storage.localPath().ifPresent(files::add);
            }
        }
        return storage;
    }

    private static boolean exists(String location) {
        try {
            return Files.exists(Path.of(location), LinkOption.NOFOLLOW_LINKS);
        } catch (InvalidPathException e) {
            return false; // the driver refuses the name
        }
    }

    /** Removes the files made (the caller has closed them); throws the first failure to remove one. */
    public void remove() throws IOException {
        IOException failure = null;
        synchronized (files) {
            for (Path p : files) {
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(p);
                    }
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
            files.clear();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
