package org.strata.storage.nbd;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.testkit.AbstractFixedSizeStorageContractTest;

/** The storage contract against {@code qemu-nbd} serving a raw file over TCP. */
class QemuNbdContractTest extends AbstractFixedSizeStorageContractTest {

    @TempDir
    Path dir;
    private int n;

    @Override
    protected Storage create(long size) throws IOException {
        Path file = dir.resolve("q" + (n++) + ".raw");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        ServerProcess server = ServerProcess.qemuNbdTcp(file, "raw");
        try {
            return new OwningStorage(new NbdStorageDriver().open(server.url, StorageOptions.READ_WRITE), server);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }
}
