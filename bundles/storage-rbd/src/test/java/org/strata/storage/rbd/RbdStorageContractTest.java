package org.strata.storage.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;

import org.junit.jupiter.api.AfterAll;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.AbstractResizableStorageContractTest;
import org.strata.testkit.CephCluster;

/** The storage contract on a real (throwaway) Ceph cluster: an RBD image grows and shrinks like a file. */
class RbdStorageContractTest extends AbstractResizableStorageContractTest {

    private static final RbdStorageDriver DRIVER = new RbdStorageDriver(10);

    @Override
    protected Storage create(long size) throws IOException {
        String name = CephCluster.shared().name(CephCluster.uniqueImage("contract"));
        Storage s = DRIVER.create(name, StorageOptions.READ_WRITE);
        s.resize(size, Preallocation.OFF);
        return s;
    }

    /** Every test closed its images, so the shared connection was shut down with the last of them. */
    @AfterAll
    static void theLastImageClosedTheConnection() {
        assertEquals(0, DRIVER.connections());
    }
}
