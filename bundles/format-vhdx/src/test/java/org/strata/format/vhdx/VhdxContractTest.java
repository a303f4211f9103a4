package org.strata.format.vhdx;

import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

/** The format driver contract for every kind of VHDX image Strata writes (512-byte sectors). */
class VhdxContractTest extends AbstractFormatDriverContractTest {

    @Override
    protected FormatDriver driver() {
        return new VhdxFormatDriver();
    }

    @Override
    protected StorageDriver storageDriver() {
        return new FileStorageDriver();
    }

    abstract static class WithOptions extends AbstractFormatDriverContractTest {
        @Override
        protected FormatDriver driver() {
            return new VhdxFormatDriver();
        }

        @Override
        protected StorageDriver storageDriver() {
            return new FileStorageDriver();
        }
    }

    /** 1 MiB blocks: requests span many blocks, the BAT grows past its region when resized. */
    @Nested
    class SmallBlocks extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("block_size", "1M");
        }
    }

    @Nested
    class NotPresentBlocks extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("block_state_zero", "off", "block_size", "1M");
        }
    }

    /** Fixed, with QEMU's default ZERO blocks: writes append blocks past the preallocated area. */
    @Nested
    class Fixed extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "fixed", "block_size", "2M");
        }
    }

    /** Fixed with every block present from the start: nothing is ever deallocated. */
    @Nested
    class FixedPresent extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("subformat", "fixed", "block_state_zero", "off", "block_size", "1M");
        }
    }
}
