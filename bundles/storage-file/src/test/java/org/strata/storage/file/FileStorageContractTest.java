package org.strata.storage.file;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.AbstractResizableStorageContractTest;

class FileStorageContractTest extends AbstractResizableStorageContractTest {

    @TempDir
    Path dir;
    private int n;

    @Override
    protected Storage create(long size) throws IOException {
        Storage s = new FileStorageDriver().create(dir.resolve("f" + (n++)).toString(), StorageOptions.READ_WRITE);
        s.resize(size, Preallocation.OFF);
        return s;
    }
}
