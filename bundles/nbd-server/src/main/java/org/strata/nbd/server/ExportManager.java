package org.strata.nbd.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.google.gson.reflect.TypeToken;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.strata.api.DaemonThreads;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.agent.Node;
import org.strata.core.agent.NodeManager;
import org.strata.core.agent.StateFile;
import org.strata.core.image.Errors;
import org.strata.nbd.ExportInfo;
import org.strata.nbd.Exports;
import org.strata.nbd.NbdServer;

/**
 * Serves nodes over NBD and persists the exports. At daemon start the persisted exports are served again in the
 * background, each as soon as its node is attached (drivers arrive from deploy/ after the core starts). When the
 * daemon stops, every export is removed from the server first (requests finish, images are flushed), before the
 * nodes close; the persisted list stays. A delayed component: the daemon holds it from start to stop
 * ({@link DaemonExports}), a run activates it only for a command that uses it.
 */
@Component(service = Exports.class)
public final class ExportManager implements Exports {

    private static final System.Logger LOG = System.getLogger("org.strata.nbd");
    private static final long RESTORE_RETRY_MILLIS = 2000;

    private final NbdServer server;
    private final NodeManager nodes;
    private final boolean persistent;
    /** var/exports.json; null outside the daemon, where nothing is persisted. */
    private final StateFile<Spec> state;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final ExecutorService restorer =
            Executors.newSingleThreadExecutor(DaemonThreads.named("strata-export-restore"));
    private volatile boolean stopping;

    @Activate
    public ExportManager(@Reference NbdServer server, @Reference NodeManager nodes, @Reference ImageService images) {
        this.server = server;
        this.nodes = nodes;
        this.persistent = images.mode() == Mode.DAEMON;
        this.state = persistent ? new StateFile<>(images.home().resolve("var/exports.json"),
                new TypeToken<List<Spec>>() { }.getType()) : null;
        if (persistent) {
            try {
                for (Spec s : state.load()) {
                    specs.put(s.name(), s);
                    restorer.execute(() -> restore(s));
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot read the persisted exports: " + Errors.oneLine(e));
            }
        }
    }

    /** Serves a persisted export once its node can serve; retries while the node is detached. */
    private void restore(Spec s) {
        while (!stopping) {
            try {
                synchronized (this) {
                    if (!specs.containsKey(s.name()) || isServed(s.name())) {
                        return;
                    }
                    Node node = nodes.get(s.node());
                    if (node.isAttached()) {
                        server.addExport(s.name(), "", node, s.writable());
                        return;
                    }
                }
                Thread.sleep(RESTORE_RETRY_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "export " + s.name() + ": cannot serve it: " + Errors.oneLine(e));
                return;
            }
        }
    }

    private boolean isServed(String name) {
        return server.exports().stream().anyMatch(e -> e.name().equals(name));
    }

    @Override
    public synchronized void add(Spec spec) throws IOException {
        if (specs.containsKey(spec.name())) {
            throw new IllegalArgumentException("Export '" + spec.name() + "' already exists");
        }
        Node node = nodes.get(spec.node());
        if (spec.writable() && node.spec().readOnly()) {
            throw new IllegalArgumentException("Node '" + spec.node() + "' is read-only: it cannot be exported"
                    + " writable");
        }
        server.addExport(spec.name(), "", node, spec.writable());
        specs.put(spec.name(), spec);
        persist();
    }

    @Override
    public synchronized boolean remove(String name) throws IOException {
        if (specs.remove(name) == null) {
            return false;
        }
        persist();
        server.removeExport(name);
        return true;
    }

    @Override
    public synchronized List<Spec> specs() {
        return new ArrayList<>(specs.values());
    }

    @Override
    public List<ExportInfo> served() {
        return server.exports();
    }

    @Override
    public List<String> listenAddresses() {
        return server.listenAddresses();
    }

    private void persist() throws IOException {
        if (persistent) {
            state.save(new ArrayList<>(specs.values()));
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopping = true;
        restorer.shutdownNow();
        restorer.awaitTermination(5, TimeUnit.SECONDS);
        for (ExportInfo e : server.exports()) {
            try {
                server.removeExport(e.name());
            } catch (IOException ex) {
                LOG.log(System.Logger.Level.ERROR, "export " + e.name() + ": " + Errors.oneLine(ex));
            }
        }
    }
}
