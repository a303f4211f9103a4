package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;

/** Failures reach the user as one clear line naming the file. */
class FileErrorsTest {

    @TempDir
    Path dir;
    private final FileStorageDriver driver = new FileStorageDriver();

    @Test
    void missingFile() {
        String name = dir.resolve("x.img").toString();
        IOException e = assertThrows(IOException.class, () -> driver.open(name, StorageOptions.READ_ONLY));
        assertEquals("Could not open '" + name + "': No such file or directory", e.getMessage());
        assertEquals("No such file or directory", ((FileSystemException) e).getReason());
        assertFalse(Files.exists(Path.of(name)));
    }

    @Test
    void directory() {
        String name = dir.toString();
        IOException e = assertThrows(IOException.class, () -> driver.open(name, StorageOptions.READ_ONLY));
        assertEquals("Could not open '" + name + "': Is a directory", e.getMessage());
        e = assertThrows(IOException.class, () -> driver.open(name, StorageOptions.READ_WRITE));
        assertEquals("Could not open '" + name + "': Is a directory", e.getMessage());
    }

    @Test
    void characterDevice() {
        IOException e = assertThrows(IOException.class, () -> driver.open("/dev/null", StorageOptions.READ_ONLY));
        assertEquals("Could not open '/dev/null': not a regular file or block device", e.getMessage());
    }

    @Test
    void readOnlyImageRefusesChanges() throws IOException {
        Path file = dir.resolve("ro.img");
        Files.write(file, new byte[4096]);
        try (Storage s = driver.open(file.toString(), StorageOptions.READ_ONLY)) {
            assertFalse(s.isWritable());
            String expected = "Could not write to '" + file + "': the image is opened read-only";
            assertEquals(expected, assertThrows(IOException.class,
                    () -> s.write(ByteBuffer.allocate(1), 0)).getMessage());
            assertEquals(expected, assertThrows(IOException.class,
                    () -> s.writeZeroes(0, 1, true)).getMessage());
            assertEquals(expected, assertThrows(IOException.class, () -> s.discard(0, 4096)).getMessage());
            assertEquals(expected, assertThrows(IOException.class,
                    () -> s.resize(8192, Preallocation.OFF)).getMessage());
        }
    }

    @Test
    void closedImage() throws IOException {
        Path file = dir.resolve("c.img");
        Storage s = driver.create(file.toString(), StorageOptions.READ_WRITE);
        s.close();
        s.close();
        IOException e = assertThrows(IOException.class, () -> s.read(ByteBuffer.allocate(1), 0));
        assertTrue(e.getMessage().startsWith("Could not read '" + file + "'"), e.getMessage());
        assertThrows(IOException.class, s::size);
    }

    @Test
    void createTruncatesAndLocalPathIsThePath() throws IOException {
        Path file = dir.resolve("t.img");
        Files.write(file, new byte[10_000]);
        try (Storage s = driver.create(file.toString(), StorageOptions.READ_ONLY)) {
            assertEquals(0, s.size());
            assertTrue(s.isWritable());
            assertEquals(file, s.localPath().orElseThrow());
            assertEquals(file.toString(), s.location());
        }
    }
}
