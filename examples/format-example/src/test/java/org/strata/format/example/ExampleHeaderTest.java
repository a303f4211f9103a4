package org.strata.format.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CreateRequest;
import org.strata.api.ImageFormatException;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.StandaloneContext;

/** The format's own rules: its layout on disk, and headers that must be refused. */
class ExampleHeaderTest {

    @TempDir
    Path dir;

    private final FileStorageDriver files = new FileStorageDriver();

    @Test
    void aNewImageIsTheHeaderFollowedByItsData() throws IOException {
        Path image = dir.resolve("new.example");
        try (Storage s = files.create(image.toString(), StorageOptions.READ_WRITE)) {
            new ExampleFormatDriver().create(s, CreateRequest.ofSize(1 << 20),
                    new StandaloneContext(image.toString(), true));
        }
        byte[] bytes = Files.readAllBytes(image);
        assertEquals(Header.SIZE + (1 << 20), bytes.length);
        assertEquals("STRATAEX", new String(bytes, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(1 << 20, ByteBuffer.wrap(bytes, 8, 8).getLong());
    }

    @Test
    void aHeaderClaimingANegativeSizeIsRefused() throws IOException {
        Path image = dir.resolve("hostile.example");
        Files.write(image, ByteBuffer.allocate(Header.SIZE).put("STRATAEX".getBytes(StandardCharsets.US_ASCII)).putLong(-1).array());
        try (Storage s = files.open(image.toString(), StorageOptions.READ_ONLY)) {
            ImageFormatException e = assertThrows(ImageFormatException.class, () -> Header.read(s));
            assertEquals("Invalid virtual size 18446744073709551615 in the example header", e.getMessage());
        }
    }

    @Test
    void aFileWithoutTheMagicIsNotAnExampleImage() throws IOException {
        Path image = dir.resolve("short.example");
        Files.write(image, "STRATA".getBytes(StandardCharsets.US_ASCII));
        try (Storage s = files.open(image.toString(), StorageOptions.READ_ONLY)) {
            assertThrows(ImageFormatException.class, () -> Header.read(s));
        }
    }
}
