package org.strata.storage.nbd;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.AbstractFixedSizeStorageContractTest;

/** The storage contract against {@code nbdkit memory} over a Unix socket. */
class NbdkitContractTest extends AbstractFixedSizeStorageContractTest {

    @TempDir
    Path dir;
    private int n;

    @Override
    protected Storage create(long size) throws IOException {
        ServerProcess server = ServerProcess.nbdkitMemory(dir.resolve("k" + (n++) + ".sock"), size);
        try {
            return new OwningStorage(new NbdStorageDriver().open(server.url, StorageOptions.READ_WRITE), server);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }
}
