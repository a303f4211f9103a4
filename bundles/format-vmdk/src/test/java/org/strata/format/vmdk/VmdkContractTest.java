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

    /**
     * A descriptor of three extents whose boundaries fall inside grains: a flat one at an offset into its file, a
     * sparse one with zeroed grains (its last grain partial), and another flat one.
     */
    @Nested
    class SeveralExtents extends Subformat {
        private int images;

        @Override
        protected FormatAccess create(long size) throws IOException {
            java.nio.file.Path d = java.nio.file.Files.createDirectories(dir.resolve("multi" + (images++)));
            long sectors = size / 512;
            long a = sectors / 4 + 3;
            long b = sectors / 2 - 5;
            long c = sectors - a - b;
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(d.resolve("a.flat").toFile(), "rw")) {
                f.setLength((16 + a) * 512);
            }
            TestContext.create(d.resolve("b.vmdk"), b * 512, Map.of("zeroed_grain", "on"));
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(d.resolve("c.flat").toFile(), "rw")) {
                f.setLength(c * 512);
            }
            java.nio.file.Path desc = d.resolve("multi.vmdk");
            java.nio.file.Files.writeString(desc, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                    + "createType=\"monolithicFlat\"\n\n# Extent description\nRW " + a + " FLAT \"a.flat\" 16\nRW " + b
                    + " SPARSE \"b.vmdk\"\nRW " + c + " FLAT \"c.flat\" 0\n");
            return open(desc.toString(), true);
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
