package org.strata.core.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

import com.google.gson.reflect.TypeToken;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.strata.api.CacheMode;
import org.strata.api.DaemonThreads;
import org.strata.api.FormatAccess;
import org.strata.api.StoragePath;
import org.strata.core.image.Errors;
import org.strata.core.image.ImageLocation;
import org.strata.core.image.OpenRequest;

/**
 * The images the agent keeps open (nodes). In the daemon they are persisted in var/nodes.json and reopened at
 * start; a node whose driver leaves is detached (drained, flushed, closed) and reattached when a driver of that
 * name returns.
 */
@Component(service = NodeManager.class, immediate = true)
public final class NodeManager implements DriverListener {

    private static final System.Logger LOG = System.getLogger(NodeManager.class.getName());
    private static final Path ROOT = Path.of("/");

    private final ImageService images;
    private final DriverRegistry registry;
    private final boolean persistent;
    /** var/nodes.json; null outside the daemon, where nothing is persisted. */
    private final StateFile<Node.Spec> state;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    /** Serializes attaching and detaching, so a driver's departure never races a reattachment. */
    private final ReentrantLock transitions = new ReentrantLock();
    private final ExecutorService reattacher =
            Executors.newSingleThreadExecutor(DaemonThreads.named("strata-node-reattach"));

    @Activate
    public NodeManager(@Reference ImageService images, @Reference DriverRegistry registry) {
        this.images = images;
        this.registry = registry;
        this.persistent = images.mode() == Mode.DAEMON;
        this.state = persistent ? new StateFile<>(images.home().resolve("var/nodes.json"),
                new TypeToken<List<Node.Spec>>() { }.getType()) : null;
        if (persistent) {
            try {
                for (Node.Spec spec : state.load()) {
                    nodes.put(spec.name(), new Node(spec, pauseSeconds()));
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot read the persisted nodes: " + Errors.oneLine(e));
            }
        }
        registry.addListener(this);
        reattacher.execute(this::attachDetached);
    }

    @Deactivate
    void deactivate() {
        registry.removeListener(this);
        reattacher.shutdown();
        transitions.lock();
        try {
            for (Node n : nodes.values()) {
                try {
                    n.detach("the agent is stopping");
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.ERROR, "node " + n.name() + ": " + Errors.oneLine(e));
                }
            }
        } finally {
            transitions.unlock();
        }
    }

    private long pauseSeconds() {
        return images.pauseTimeout();
    }

    /**
     * Opens an image as a new node.
     *
     * @param name       the node name, or null for one derived from the file name
     * @param cwd        what a relative file name (and allowed root) is relative to
     * @param allowRoots the --allow-root values given (directories, URL prefixes)
     */
    public Node add(String name, String file, String format, boolean readOnly, CacheMode cache, Path cwd,
                    List<String> allowRoots) throws IOException {
        transitions.lock();
        try {
            String nodeName = name != null ? name : defaultName(file);
            if (nodes.containsKey(nodeName)) {
                throw new IllegalArgumentException("Node '" + nodeName + "' already exists; choose a name with --name");
            }
            if (!nodeName.matches("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")) {
                throw new IllegalArgumentException("Invalid node name '" + nodeName
                        + "' (letters, digits, '.', '_', '+', '-'; at most 64)");
            }
            Node.Spec requested = new Node.Spec(nodeName, ImageLocation.parse(file, cwd).storage(), format, readOnly,
                    cache.toString(), allowRoots.stream().map(r -> ImageLocation.parse(r, cwd).storage()).toList());
            FormatAccess access = images.opener().open(file, requestFor(requested).toBuilder().cwd(cwd).build());
            Node.Spec spec = new Node.Spec(nodeName, requested.file(), access.formatName(), readOnly,
                    requested.cache(), requested.allowRoots());
            Node node = new Node(spec, pauseSeconds());
            node.attach(access);
            nodes.put(nodeName, node);
            persist();
            return node;
        } finally {
            transitions.unlock();
        }
    }

    /** How a node opens: its format, cache mode and allowed roots; locations in a spec are absolute. */
    private OpenRequest requestFor(Node.Spec s) throws IOException {
        List<StoragePath> roots = new ArrayList<>();
        for (String r : s.allowRoots()) {
            roots.add(images.opener().root(r, ROOT));
        }
        return OpenRequest.in(ROOT).format(s.format()).writable(!s.readOnly()).cache(s.cacheMode()).extraRoots(roots)
                .build();
    }

    /** Flushes and closes a node, and forgets it. */
    public void remove(String name) throws IOException {
        transitions.lock();
        try {
            Node node = nodes.remove(name);
            if (node == null) {
                throw new IllegalArgumentException("Node '" + name + "' not found");
            }
            persist();
            node.remove();
        } finally {
            transitions.unlock();
        }
    }

    public List<Node> list() {
        transitions.lock();
        try {
            return new ArrayList<>(nodes.values());
        } finally {
            transitions.unlock();
        }
    }

    public Node get(String name) {
        transitions.lock();
        try {
            Node n = nodes.get(name);
            if (n == null) {
                throw new IllegalArgumentException("Node '" + name + "' not found");
            }
            return n;
        } finally {
            transitions.unlock();
        }
    }

    public boolean isPersistent() {
        return persistent;
    }

    private static String defaultName(String file) {
        String base = file.replaceAll("[?#].*$", "");
        base = base.substring(base.lastIndexOf('/') + 1);
        int dot = base.indexOf('.');
        base = dot > 0 ? base.substring(0, dot) : base;
        base = base.replaceAll("[^A-Za-z0-9._+-]", "_");
        return base.isEmpty() ? "node" : base;
    }

    private void persist() throws IOException {
        if (persistent) {
            state.save(nodes.values().stream().map(Node::spec).toList());
        }
    }

    @Override
    public void driverAdded(DriverInfo driver) {
        if (!reattacher.isShutdown()) {
            reattacher.execute(this::attachDetached);
        }
    }

    @Override
    public void driverRemoving(DriverInfo driver) {
        transitions.lock();
        try {
            for (Node n : nodes.values()) {
                if (n.isAttached() && n.uses(driver)) {
                    LOG.log(System.Logger.Level.INFO, "node " + n.name() + ": detaching, " + driver.kind()
                            + " driver " + driver.name() + " is leaving");
                    try {
                        n.detach(driver.kind() + " driver '" + driver.name() + "' is not available");
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.ERROR, "node " + n.name() + ": " + Errors.oneLine(e));
                    }
                }
            }
        } finally {
            transitions.unlock();
        }
    }

    /** Tries to open every detached node; those that still cannot open stay detached and say why. */
    private void attachDetached() {
        transitions.lock();
        try {
            for (Node n : nodes.values()) {
                if (n.isAttached()) {
                    continue;
                }
                Node.Spec s = n.spec();
                try {
                    n.attach(images.opener().open(s.file(), requestFor(s)));
                    LOG.log(System.Logger.Level.INFO, "node " + n.name() + ": attached " + s.file());
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "node " + n.name() + ": cannot open yet: " + Errors.oneLine(e));
                }
            }
        } finally {
            transitions.unlock();
        }
    }
}
