package org.strata.format.qcow2;

import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

/** The format driver contract, for several option sets. */
class Qcow2ContractTest extends AbstractFormatDriverContractTest {

    @Override
    protected FormatDriver driver() {
        return new Qcow2FormatDriver();
    }

    @Override
    protected StorageDriver storageDriver() {
        return new FileStorageDriver();
    }

    abstract static class WithOptions extends AbstractFormatDriverContractTest {
        @Override
        protected FormatDriver driver() {
            return new Qcow2FormatDriver();
        }

        @Override
        protected StorageDriver storageDriver() {
            return new FileStorageDriver();
        }
    }

    @Nested
    class SmallClusters extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("cluster_size", "512");
        }
    }

    @Nested
    class FourKClustersRefcount1 extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("cluster_size", "4k", "refcount_bits", "1");
        }
    }

    @Nested
    class ExtendedL2 extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("extended_l2", "on", "cluster_size", "32k");
        }
    }

    @Nested
    class Refcount64 extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("refcount_bits", "64");
        }
    }

    @Nested
    class Compat010 extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("compat", "0.10");
        }
    }

    @Nested
    class LazyRefcountsZstd extends WithOptions {
        @Override
        protected Map<String, String> createOptions() {
            return Map.of("lazy_refcounts", "on", "compression_type", "zstd");
        }
    }
}
