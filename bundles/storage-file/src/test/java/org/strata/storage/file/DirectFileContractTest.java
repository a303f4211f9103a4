package org.strata.storage.file;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.strata.api.CacheMode;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.engine.AlignedStorage;
import org.strata.testkit.AbstractResizableStorageContractTest;

/**
 * The storage contract on files opened with O_DIRECT behind the agent's aligning wrapper, where every request the
 * kernel sees is aligned (an unaligned write past the end still leaves the file ending where the write does).
 */
class DirectFileContractTest extends AbstractResizableStorageContractTest {

    @TempDir
    Path dir;
    private int n;

    @Override
    protected Storage create(long size) throws IOException {
        Storage direct = new FileStorageDriver().create(dir.resolve("d" + (n++)).toString(),
                new StorageOptions(true, false, CacheMode.NONE));
        if (direct.reqAlign() <= 1) {
            throw new AssertionError("O_DIRECT storage says it takes unaligned requests: " + direct);
        }
        // as the agent opens it: aligned by the engine's wrapper
        Storage s = AlignedStorage.forAnyRequest(direct);
        s.resize(size, Preallocation.OFF);
        return s;
    }
}
