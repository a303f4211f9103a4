package org.strata.core.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.strata.api.DaemonThreads;
import org.strata.core.agent.DaemonCondition;
import org.strata.core.ops.JobManager;

/**
 * Serves {@link PrometheusText} at {@code http://127.0.0.1:PORT/metrics} in the daemon when {@code metrics.port}
 * (etc/org.strata.agent.cfg) is set; off by default. Only on loopback: the metrics name nodes and files, and the
 * endpoint has no authentication, so a scraper on another host goes through a proxy the administrator chooses.
 */
@Component(immediate = true, configurationPid = "org.strata.agent", property = DaemonCondition.ONLY_IN_DAEMON)
public final class MetricsEndpoint {

    private static final System.Logger LOG = System.getLogger(MetricsEndpoint.class.getName());
    static final String PATH = "/metrics";

    /** The setting; the PID's others belong to the agent's other components. */
    public @interface Config {
        /** The loopback TCP port of the Prometheus endpoint; 0 (the default) serves none. */
        int metrics_port() default 0;
    }

    private final Metrics metrics;
    private final JobManager jobs;
    private HttpServer server;
    private ExecutorService thread;

    @Activate
    public MetricsEndpoint(@Reference Metrics metrics, @Reference JobManager jobs, Config config) {
        this.metrics = metrics;
        this.jobs = jobs;
        configure(config);
    }

    @Modified
    synchronized void configure(Config config) {
        int port = config.metrics_port();
        if (server != null && server.getAddress().getPort() == port) {
            return;
        }
        stop();
        if (port <= 0) {
            return;
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            s.createContext(PATH, this::serve);
            thread = Executors.newSingleThreadExecutor(DaemonThreads.named("strata-metrics"));
            s.setExecutor(thread);
            s.start();
            server = s;
            LOG.log(System.Logger.Level.INFO, "metrics served on http://" + InetAddress.getLoopbackAddress()
                    .getHostAddress() + ":" + port + PATH);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "metrics endpoint on loopback port " + port + ": " + e.getMessage());
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = PrometheusText.format(metrics.snapshots(), jobs.list()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    @Deactivate
    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            thread.shutdown();
            server = null;
        }
    }
}
