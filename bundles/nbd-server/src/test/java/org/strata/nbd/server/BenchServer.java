package org.strata.nbd.server;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.strata.api.FormatAccess;
import org.strata.core.agent.ImageHandle;

/**
 * Serves one raw image until killed, for bench.sh: {@code BenchServer IMAGE LISTEN [EXPORT]}, LISTEN as
 * {@code HOST:PORT} or {@code unix:PATH}. Prints {@code READY <address>} once it listens. The system property
 * {@code strata.nbd.workers} sets the worker threads per connection.
 */
public final class BenchServer {

    private BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: BenchServer IMAGE LISTEN [EXPORT]");
            System.exit(2);
        }
        String export = args.length > 2 ? args[2] : "bench";
        FormatAccess image = TestImages.openRaw(Path.of(args[0]), true);
        image.setReadParallelization(4);
        image.setWriteParallelization(4);
        NbdServerCore server = new NbdServerCore(ServerLimits.DEFAULTS.withWorkersPerConnection(
                Integer.getInteger("strata.nbd.workers", ServerLimits.DEFAULTS.workersPerConnection())));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            try {
                image.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }));
        server.listen(ListenAddress.parseList(args[1]));
        server.addExport(export, "bench image " + args[0], ImageHandle.of(export, image), true);
        System.out.println("READY " + server.listenAddresses().get(0));
        System.out.flush();
        stopped.await();
    }
}
