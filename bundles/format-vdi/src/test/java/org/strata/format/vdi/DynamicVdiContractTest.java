package org.strata.format.vdi;

import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.AbstractFormatDriverContractTest;

/** The format contract on dynamic VDI images (blocks allocated as they are written); qemu cannot resize a VDI. */
class DynamicVdiContractTest extends AbstractFormatDriverContractTest {

    @Override
    protected FormatDriver driver() {
        return new VdiFormatDriver();
    }

    @Override
    protected StorageDriver storageDriver() {
        return new FileStorageDriver();
    }

    @Override
    protected boolean canResize() {
        return false;
    }

    @Override
    protected boolean canShrink() {
        return false;
    }
}
