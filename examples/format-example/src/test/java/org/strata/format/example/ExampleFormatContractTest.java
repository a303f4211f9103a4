package org.strata.format.example;

import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

/** What every format driver must do (create, read, write, zero, discard, resize, reopen, concurrency), on real files. */
class ExampleFormatContractTest extends AbstractFormatDriverContractTest {

    @Override
    protected FormatDriver driver() {
        return new ExampleFormatDriver();
    }

    @Override
    protected StorageDriver storageDriver() {
        return new FileStorageDriver();
    }
}
