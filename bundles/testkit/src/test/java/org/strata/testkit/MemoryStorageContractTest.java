package org.strata.testkit;

import org.strata.api.Storage;

class MemoryStorageContractTest extends AbstractResizableStorageContractTest {
    @Override
    protected Storage create(long size) {
        return new MemoryStorage("mem", size);
    }
}
