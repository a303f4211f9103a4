package org.strata.storage.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.MemoryStorage;
import org.strata.testkit.Patterns;

/** {@link Storage#copyFrom} between local files: the kernel's copy_file_range, or nothing where it cannot be. */
class CopyFromTest {

    private static final FileStorageDriver FILES = new FileStorageDriver();

    @TempDir
    Path dir;

    private Path source(byte[] content) throws IOException {
        Path p = dir.resolve("src.raw");
        Files.write(p, content);
        return p;
    }

    @Test
    void copiesARangeToAnotherOffset() throws IOException {
        byte[] content = Patterns.random(new Random(1), 1 << 20);
        Path dst = dir.resolve("dst.raw");
        try (Storage from = FILES.open(source(content).toString(), StorageOptions.READ_ONLY);
             Storage to = FILES.create(dst.toString(), StorageOptions.READ_WRITE)) {
            assertEquals(300_000, to.copyFrom(from, 12_345, 70_000, 300_000));
        }
        byte[] out = Files.readAllBytes(dst);
        assertEquals(370_000, out.length);
        assertArrayEquals(new byte[70_000], Arrays.copyOfRange(out, 0, 70_000));
        assertArrayEquals(Arrays.copyOfRange(content, 12_345, 312_345), Arrays.copyOfRange(out, 70_000, 370_000));
    }

    @Test
    void stopsAtTheSourcesEnd() throws IOException {
        byte[] content = Patterns.random(new Random(2), 10_000);
        try (Storage from = FILES.open(source(content).toString(), StorageOptions.READ_ONLY);
             Storage to = FILES.create(dir.resolve("dst.raw").toString(), StorageOptions.READ_WRITE)) {
            assertEquals(4_000, to.copyFrom(from, 6_000, 0, 65_536));
        }
    }

    @Test
    void copiesNothingWithODirectOrFromAnotherKindOfStorage() throws IOException {
        Path src = source(Patterns.random(new Random(3), 65536));
        StorageOptions direct = new StorageOptions(true, false, CacheMode.NONE);
        try (Storage from = FILES.open(src.toString(), StorageOptions.READ_ONLY);
             Storage directFrom = FILES.open(src.toString(), new StorageOptions(false, false, CacheMode.NONE));
             Storage directTo = FILES.create(dir.resolve("direct.raw").toString(), direct);
             Storage to = FILES.create(dir.resolve("dst.raw").toString(), StorageOptions.READ_WRITE);
             MemoryStorage memory = new MemoryStorage("memory", 65536)) {
            assertEquals(0, directTo.copyFrom(from, 0, 0, 65536));
            assertEquals(0, to.copyFrom(directFrom, 0, 0, 65536));
            assertEquals(0, to.copyFrom(memory, 0, 0, 65536));
            assertEquals(0, to.size());
        }
    }
}
