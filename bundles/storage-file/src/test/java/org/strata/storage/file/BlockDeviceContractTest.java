package org.strata.storage.file;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.AbstractFixedSizeStorageContractTest;
import org.strata.testkit.LoopDevices;

/** The storage contract on real loop devices (host block devices: fixed size). */
class BlockDeviceContractTest extends AbstractFixedSizeStorageContractTest {

    @TempDir
    Path dir;
    private final LoopDevices loops = new LoopDevices();
    private int n;

    @Override
    protected Storage create(long size) throws IOException {
        String dev = loops.attach(dir.resolve("backing" + (n++)), size);
        Storage s = new FileStorageDriver().open(dev, StorageOptions.READ_WRITE);
        if (!(s instanceof BlockDeviceStorage)) {
            throw new AssertionError("not opened as a block device: " + s);
        }
        return s;
    }

    @AfterEach
    void detach() {
        loops.detachAll();
    }
}
