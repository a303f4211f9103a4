package org.strata.storage.nbd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;
import org.strata.core.agent.ImageHandle;
import org.strata.format.raw.RawFormatDriver;
import org.strata.nbd.server.ListenAddress;
import org.strata.nbd.server.NbdServerCore;
import org.strata.testkit.AbstractFixedSizeStorageContractTest;
import org.strata.testkit.MemoryStorage;
import org.strata.testkit.StandaloneContext;
import org.strata.testkit.TestEngines;

/** The storage contract against Strata's own NBD server, with extended headers and with structured replies. */
class StrataServerContractTest {

    /** Strata's server on a free port, serving one raw image in memory. */
    static final class Served implements AutoCloseable {
        final NbdServerCore server = new NbdServerCore();
        final FormatAccess image;
        final String url;

        Served(long size) throws IOException {
            server.listen(List.of(ListenAddress.tcp("127.0.0.1", 0)));
            MemoryStorage memory = new MemoryStorage("mem", size);
            image = TestEngines.of(new RawFormatDriver().open(memory, new StandaloneContext("mem", true)));
            server.addExport("mem", "", ImageHandle.of("mem", image), true);
            url = "nbd://" + server.listenAddresses().get(0) + "/mem";
        }

        @Override
        public void close() throws IOException {
            server.close();
            image.close();
        }
    }

    static Storage open(long size, boolean extended) throws IOException {
        Served served = new Served(size);
        try {
            Storage s = new NbdStorageDriver(Duration.ofSeconds(30), extended).open(served.url,
                    StorageOptions.READ_WRITE);
            assertTrue(((NbdStorage) s).negotiated().extended() == extended);
            assertTrue(((NbdStorage) s).negotiated().allocationContext() >= 0);
            return new OwningStorage(s, served);
        } catch (IOException | RuntimeException e) {
            served.close();
            throw e;
        }
    }

    @Nested
    class ExtendedHeaders extends AbstractFixedSizeStorageContractTest {
        @Override
        protected Storage create(long size) throws IOException {
            return open(size, true);
        }
    }

    @Nested
    class StructuredReplies extends AbstractFixedSizeStorageContractTest {
        @Override
        protected Storage create(long size) throws IOException {
            return open(size, false);
        }
    }

    @Test
    void bothModesNegotiate() throws IOException {
        open(1 << 20, true).close();
        open(1 << 20, false).close();
    }
}
