package org.strata.format.vmdk;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

/**
 * The format driver contract for every subformat Strata writes in place (streamOptimized is written once, in
 * order: see {@link StrataImagesQemuTest}). VMDK images cannot be resized, as with QEMU.
 */
class VmdkContractTest {

    abstract static class Subformat extends AbstractFormatDriverContractTest {
        private int counter;

        @Override
        protected FormatDriver driver() {
            return new VmdkFormatDriver();
        }

        @Override
        protected StorageDriver storageDriver() {
            return TestContext.FILES;
        }

        @Override
        protected boolean canResize() {
            return false;
        }

        /** Created and opened with a context that lets the descriptor name its extents. */
        @Override
        protected FormatAccess create(long size) throws IOException {
            java.nio.file.Path path = dir.resolve("image" + (counter++) + ".vmdk");
            TestContext.create(path, size, createOptions());
            return open(path.toString(), true);
        }

        @Override
        protected FormatAccess open(String location, boolean writable) throws IOException {
            return TestContext.open(location, writable);
        }
    }

    @Nested
    class MonolithicSparse extends Subformat {
    }

    @Nested
    class ZeroedGrains extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("zeroed_grain", "on");
        }
    }

    @Nested
    class MonolithicFlat extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "monolithicFlat");
        }
    }

    @Nested
    class TwoGbMaxExtentSparse extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "twoGbMaxExtentSparse", "zeroed_grain", "on");
        }
    }

    @Nested
    class TwoGbMaxExtentFlat extends Subformat {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "twoGbMaxExtentFlat");
        }
    }
}
