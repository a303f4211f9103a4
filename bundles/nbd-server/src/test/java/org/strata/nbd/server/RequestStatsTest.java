package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.metrics.IoStats;
import org.strata.nbd.protocol.Nbd;
import org.strata.testkit.QemuTools;

/** Every request served is counted in the export's and its node's statistics: requests, bytes, errors, latency. */
class RequestStatsTest {

    @TempDir
    Path dir;

    @Test
    void qemuIoTrafficAndAFailedRequestShowInTheExportsAndTheNodesStatistics() throws Exception {
        try (NbdTestServer nbd = new NbdTestServer()) {
            nbd.exportRaw("disk", TestImages.createRaw(dir.resolve("disk.raw"), 4 << 20), true);
            IoStats.Snapshot before = only(nbd);
            assertEquals(0, before.requests());

            QemuTools.qemuIo("-f", "raw", "-c", "write -P 0xab 0 64k", "-c", "read -P 0xab 0 64k",
                    "-c", "read 1M 128k", nbd.url("disk"));
            try (RawClient c = new RawClient(nbd.port)) {
                c.handshake();
                c.go("disk");
                c.request(0, Nbd.CMD_READ, 1, 4 << 20, 4096, null); // past the end: an error reply
                assertEquals(Nbd.EINVAL, c.read(0).errorCode());
            }

            IoStats.Snapshot export = settled(nbd);
            assertEquals(new IoStats.Target(IoStats.Target.EXPORT, "disk", "disk"), export.target());
            assertEquals(64 << 10, export.bytesWritten());
            assertEquals((64 << 10) + (128 << 10), export.bytesRead());
            assertTrue(export.requests() >= 4, "a write, two reads, the failed read, and qemu's flush: " + export);
            assertEquals(1, export.errors());
            assertEquals(0, export.inFlight());
            assertTrue(export.percentileMicros(0.99) > 0);

            IoStats.Snapshot node = nbd.server.export("disk").handle.stats().snapshot();
            assertEquals(export.requests(), node.requests());
            assertEquals(export.bytesRead(), node.bytesRead());
            assertEquals(export.errors(), node.errors());

            nbd.server.removeExport("disk");
            assertEquals(List.of(), nbd.metrics.snapshots());
        }
    }

    /** The export's statistics once no request is in flight: a request is counted just after its reply is sent. */
    private static IoStats.Snapshot settled(NbdTestServer nbd) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        IoStats.Snapshot s = only(nbd);
        while (s.inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            s = only(nbd);
        }
        return s;
    }

    private static IoStats.Snapshot only(NbdTestServer nbd) {
        List<IoStats.Snapshot> all = nbd.metrics.snapshots();
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }
}
