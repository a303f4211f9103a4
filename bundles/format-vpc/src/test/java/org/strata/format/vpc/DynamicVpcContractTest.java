package org.strata.format.vpc;

import java.util.Map;

import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

/** The format contract on dynamic VHDs (force_size, so sizes are exact rather than rounded to a geometry). */
class DynamicVpcContractTest extends AbstractFormatDriverContractTest {

    @Override
    protected FormatDriver driver() {
        return new VpcFormatDriver();
    }

    @Override
    protected StorageDriver storageDriver() {
        return new FileStorageDriver();
    }

    @Override
    protected Map<String, String> createOptions() {
        return Map.of("subformat", "dynamic", "force_size", "on");
    }

    @Override
    protected boolean canResize() {
        return false;
    }
}
