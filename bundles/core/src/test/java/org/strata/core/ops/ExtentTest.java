package org.strata.core.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.BlockStatusSource;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.Patterns;
import org.strata.testkit.TestEngines;

/**
 * Block status follows what the driver declares (QEMU's way for its format), whatever the format is called: a
 * layer whose data lies in a sparse file as it is, seen through each {@link BlockStatusSource}.
 */
class ExtentTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A file of 2 MiB: data in the first MiB, a hole in the second. */
    private Storage sparseFile() throws IOException {
        Storage s = new FileStorageDriver().create(dir.resolve("f" + System.nanoTime()).toString(),
                StorageOptions.READ_WRITE);
        s.write(Patterns.filled(MIB, 0x5a), 0);
        s.resize(2 * MIB, Preallocation.OFF);
        return s;
    }

    private Extent holeOf(String format, BlockStatusSource source) throws IOException {
        try (FormatAccess layer = TestEngines.of(new FlatImage(format, sparseFile(), source))) {
            assertEquals(true, Extent.ofLayer(layer, 0, MIB, 0).data(), format + ": data is data");
            return Extent.ofLayer(layer, MIB, MIB, 0);
        }
    }

    @Test
    void aFormatWhoseStatusPassesThroughTheStorageSeesHolesAsZeroesNotData() throws IOException {
        Extent hole = holeOf("plain", BlockStatusSource.STORAGE);
        assertEquals(MIB, hole.length());
        assertEquals(false, hole.data());
        assertEquals(true, hole.zero());
        assertEquals(MIB, hole.offset());
    }

    @Test
    void aFormatThatAsksTheStorageUnderDataSeesHolesAsDataReadingZeroes() throws IOException {
        Extent hole = holeOf("raw", BlockStatusSource.MAPPINGS_AND_STORAGE_HOLES);
        assertEquals(true, hole.data());
        assertEquals(true, hole.zero());
    }

    @Test
    void aFormatOfMappingsAloneSeesData() throws IOException {
        Extent hole = holeOf("raw", BlockStatusSource.MAPPINGS);
        assertEquals(true, hole.data());
        assertEquals(false, hole.zero());
    }

    @Test
    void aFormatWithoutBlockStatusIsAllDataWithoutHostOffsets() throws IOException {
        try (FormatAccess layer = TestEngines.of(new FlatImage("plain", sparseFile(), BlockStatusSource.NONE))) {
            Extent all = Extent.above(layer, 0, 2 * MIB);
            assertEquals(2 * MIB, all.length());
            assertEquals(true, all.allocated());
            assertEquals(true, all.data());
            assertEquals(false, all.zero());
            assertNull(all.storage());
            assertEquals(-1, all.offset());
            assertEquals(true, all.eof());
        }
    }

    /** A format that lays the guest out in its file as it is, named and declaring as the test says. */
    private record FlatImage(String formatName, Storage file, BlockStatusSource blockStatusSource)
            implements FormatImage {

        @Override
        public long size() {
            return 2 * MIB;
        }

        @Override
        public boolean isWritable() {
            return false;
        }

        @Override
        public long zeroGranularity() {
            return 1;
        }

        @Override
        public ShallowMapping getMapping(long offset, long maxLength) {
            return new ShallowMapping.Raw(file, offset, maxLength, false);
        }

        @Override
        public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public boolean ensureZeroMapping(long offset, long length) {
            return false;
        }

        @Override
        public boolean discardToZero(long offset, long length) {
            return false;
        }

        @Override
        public void discardToAny(long offset, long length) {
        }

        @Override
        public void discardToBacking(long offset, long length) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void invalidateCache() {
        }

        @Override
        public void resize(long newSize, Preallocation prealloc) throws IOException {
            throw new IOException("fixed size");
        }

        @Override
        public List<Storage> storages() {
            return List.of(file);
        }

        @Override
        public FormatAccess backing() {
            return null;
        }

        @Override
        public ImageInfo info() {
            return ImageInfo.simple(size());
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
