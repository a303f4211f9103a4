package org.strata.core.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import com.google.gson.reflect.TypeToken;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
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
import org.strata.core.metrics.Metrics;

/**
 * The images the agent keeps open (nodes). In the daemon they are persisted in var/nodes.json and reopened at
 * start. When the driver serving a role a node needs changes, the node moves: it is drained, flushed and
 * closed, then reopened with the driver that serves now (a newer version, or the one left), so a client sees a
 * pause, not an error; with no driver left it stays detached until one arrives.
 * <p>
 * A delayed component: the daemon holds it from start to stop ({@link DaemonNodes}), a run activates it only for a
 * command that uses it.
 * <p>
 * Once the framework begins to stop, nothing waits for a driver any more: requests to a detached node fail at
 * once. (The drivers stop after the agent's own bundles, so attached nodes are flushed and closed first.)
 */
@Component(service = NodeManager.class)
public final class NodeManager implements DriverListener {

    private static final System.Logger LOG = System.getLogger(NodeManager.class.getName());
    private static final Path ROOT = Path.of("/");
    private static final String STOPPING = "the agent is stopping";

    private final ImageService images;
    private final DriverRegistry registry;
    private final Metrics metrics;
    private final BundleContext context;
    private final boolean persistent;
    /** var/nodes.json; null outside the daemon, where nothing is persisted. */
    private final StateFile<Node.Spec> state;
    /** Changed only under {@link #transitions}; read without it, so that listing never waits for a drain. */
    private final Map<String, Node> nodes = Collections.synchronizedMap(new LinkedHashMap<>());
    /** Serializes attaching and detaching, so a driver change never races an open or another change. */
    private final ReentrantLock transitions = new ReentrantLock();
    private final ExecutorService starter =
            Executors.newSingleThreadExecutor(DaemonThreads.named("strata-node-start"));
    private final SynchronousBundleListener frameworkStop = event -> {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            stopWaiting();
        }
    };

    @Activate
    public NodeManager(@Reference ImageService images, @Reference DriverRegistry registry,
                       @Reference Metrics metrics, BundleContext context) {
        this.images = images;
        this.registry = registry;
        this.metrics = metrics;
        this.context = context;
        this.persistent = images.mode() == Mode.DAEMON;
        this.state = persistent ? new StateFile<>(images.home().resolve("var/nodes.json"),
                new TypeToken<List<Node.Spec>>() { }.getType()) : null;
        if (persistent) {
            try {
                for (Node.Spec spec : state.load()) {
                    Node node = new Node(spec, pauseSeconds());
                    nodes.put(spec.name(), node);
                    metrics.add(node.stats());
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot read the persisted nodes: " + Errors.oneLine(e));
            }
        }
        if (context != null) {
            context.addBundleListener(frameworkStop);
        }
        registry.addListener(this);
        starter.execute(this::attachDetached);
    }

    /** A node manager outside a framework (tests). */
    public NodeManager(ImageService images, DriverRegistry registry) {
        this(images, registry, new Metrics(), null);
    }

    @Deactivate
    void deactivate() {
        registry.removeListener(this);
        if (context != null) {
            try {
                context.removeBundleListener(frameworkStop);
            } catch (IllegalStateException e) {
                // the bundle is stopping: its listeners go with it
            }
        }
        starter.shutdown();
        transitions.lock();
        try {
            for (Node n : list()) {
                try {
                    close(n, "is closed: " + STOPPING);
                } catch (IOException e) {
                    // logged: the other nodes still close
                }
            }
        } finally {
            transitions.unlock();
        }
    }

    /** Requests to detached nodes fail at once from now on: no driver is coming back. */
    private void stopWaiting() {
        for (Node n : list()) {
            n.stopWaiting(STOPPING);
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
            if (images.restrictNodesToRoots()) {
                String why = "nodes.restrict.to.roots in etc/org.strata.agent.cfg lets nodes open only there";
                images.opener().requireConfiguredRoot(file, cwd, why);
                for (String root : allowRoots) {
                    images.opener().requireConfiguredRoot(root, cwd, "--allow-root may not widen them: " + why);
                }
            }
            Node.Spec requested = new Node.Spec(nodeName, ImageLocation.parse(file, cwd).storage(), format, readOnly,
                    cache.toString(), allowRoots.stream().map(r -> ImageLocation.parse(r, cwd).storage()).toList());
            FormatAccess access = images.opener().open(file, requestFor(requested).toBuilder().cwd(cwd).build());
            Node.Spec spec = new Node.Spec(nodeName, requested.file(), access.formatName(), readOnly,
                    requested.cache(), requested.allowRoots());
            Node node = new Node(spec, pauseSeconds());
            node.attach(access, registry::serving);
            nodes.put(nodeName, node);
            metrics.add(node.stats());
            persist();
            LOG.log(System.Logger.Level.INFO, "node " + nodeName + ": opened " + spec.file() + " (" + spec.format()
                    + (readOnly ? ", read-only" : "") + ")");
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
            close(node, "was removed");
        } finally {
            transitions.unlock();
        }
    }

    /** Closes a node for good and forgets its statistics. */
    private void close(Node node, String why) throws IOException {
        metrics.remove(node.stats());
        try {
            node.close(why);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "node " + node.name() + ": closing failed: " + Errors.oneLine(e));
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "node " + node.name() + ": closed");
    }

    public List<Node> list() {
        synchronized (nodes) {
            return new ArrayList<>(nodes.values());
        }
    }

    public Node get(String name) {
        Node n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("Node '" + name + "' not found");
        }
        return n;
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
            state.save(list().stream().map(Node::spec).toList());
        }
    }

    /**
     * Moves every node that needs the role off {@code from}: each is drained, flushed and closed, then reopened
     * with {@code to}. The pause its clients see is that of the flush and the reopen.
     */
    @Override
    public void servingChanged(DriverInfo from, DriverInfo to) {
        String role = (from != null ? from : to).role();
        transitions.lock();
        try {
            for (Node n : list()) {
                if (n.isAttached() && n.roles().contains(role)) {
                    long start = System.nanoTime();
                    try {
                        n.detach(to == null ? from.describe() + " is not available"
                                : "moving to " + to.bundle() + " " + to.version());
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.ERROR, "node " + n.name() + ": " + Errors.oneLine(e));
                    }
                    if (to != null && attach(n)) {
                        LOG.log(System.Logger.Level.INFO, "node " + n.name() + ": moved to " + to.bundle() + " "
                                + to.version() + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                                + " ms");
                    } else if (to == null) {
                        LOG.log(System.Logger.Level.WARNING, "node " + n.name() + ": detached, " + from.describe()
                                + " is leaving and no other version is registered");
                    }
                }
            }
            if (to != null) {
                attachDetached();
            }
        } finally {
            transitions.unlock();
        }
    }

    /**
     * Tries to open every detached node whose drivers are all there (as far as it knows them); those that still
     * cannot open stay detached and say why.
     */
    private void attachDetached() {
        transitions.lock();
        try {
            for (Node n : list()) {
                if (n.state() == Node.State.DETACHED && n.roles().stream().allMatch(r -> registry.serving(r) != null)
                        && attach(n)) {
                    LOG.log(System.Logger.Level.INFO, "node " + n.name() + ": attached " + n.spec().file());
                }
            }
        } finally {
            transitions.unlock();
        }
    }

    /** Opens a detached node's image; false (logged, and the node says why) when it cannot open. */
    private boolean attach(Node n) {
        Node.Spec s = n.spec();
        try {
            n.attach(images.opener().open(s.file(), requestFor(s)), registry::serving);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "node " + n.name() + ": cannot open yet: " + Errors.oneLine(e));
            n.openFailed(Errors.oneLine(e));
            return false;
        }
    }
}
