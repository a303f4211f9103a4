package org.strata.format.raw;

import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

class RawFormatContractTest extends AbstractFormatDriverContractTest {
    @Override
    protected FormatDriver driver() {
        return new RawFormatDriver();
    }

    @Override
    protected StorageDriver storageDriver() {
        return new FileStorageDriver();
    }
}
