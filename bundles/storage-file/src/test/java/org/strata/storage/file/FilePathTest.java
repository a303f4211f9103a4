package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.StoragePath;

/** Where a local file lies, for the allowed roots: its real path, symbolic links resolved. */
class FilePathTest {

    @TempDir
    Path dir;

    private final FileStorageDriver driver = new FileStorageDriver();

    @Test
    void aFileLiesWhereItsRealPathIs() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.raw"), "x");
        Files.createSymbolicLink(images.resolve("link.raw"), outside.resolve("secret.raw"));
        StoragePath root = driver.pathOf(images.toString());
        assertEquals(images.toRealPath().toString(), root.toString());
        assertFalse(driver.pathOf(images.resolve("link.raw").toString()).isUnder(root));
        assertEquals(driver.pathOf(outside.resolve("secret.raw").toString()),
                driver.pathOf(images.resolve("link.raw").toString()));
        assertTrue(driver.pathOf(images.resolve("sub/../new.raw").toString()).isUnder(root));
    }

    @Test
    void aFileNotCreatedYetLiesBelowItsRealDirectory() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("alias"), real);
        StoragePath p = driver.pathOf(dir.resolve("alias/not/yet.raw").toString());
        assertEquals(real.toRealPath().resolve("not/yet.raw").toString(), p.toString());
        assertTrue(p.isUnder(driver.pathOf(real.toString())));
    }
}
