package org.strata.nbd.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;
import org.strata.core.metrics.Metrics;
import org.strata.nbd.protocol.HostPort;

/** A server on a free loopback port with images that are closed with it. */
final class NbdTestServer implements AutoCloseable {

    final NbdServerCore server;
    /** Where the exports' statistics are registered. */
    final Metrics metrics = new Metrics();
    final int port;
    private final List<FormatAccess> images = new ArrayList<>();

    NbdTestServer() throws IOException {
        this(ServerLimits.DEFAULTS);
    }

    NbdTestServer(ServerLimits limits) throws IOException {
        this(limits, ListenAddress.tcp("127.0.0.1", 0));
    }

    /** A server on {@code address} (port 0: a free one). */
    NbdTestServer(ServerLimits limits, ListenAddress address) throws IOException {
        server = new NbdServerCore(limits, metrics);
        server.listen(List.of(address));
        port = HostPort.parse(server.listenAddresses().get(0)).port();
    }

    /** Exports a raw file. */
    FormatAccess exportRaw(String name, Path file, boolean writable) throws IOException {
        FormatAccess a = TestImages.openRaw(file, writable);
        images.add(a);
        server.addExport(name, "raw image " + file.getFileName(), ImageHandle.of(name, a), writable);
        return a;
    }

    FormatAccess export(String name, FormatAccess a, boolean writable) throws IOException {
        images.add(a);
        server.addExport(name, "", ImageHandle.of(name, a), writable);
        return a;
    }

    String url(String export) {
        return "nbd://127.0.0.1:" + port + "/" + export;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (FormatAccess a : images) {
            a.close();
        }
    }
}
