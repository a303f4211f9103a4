package org.strata.launcher.framework;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Constants;

/**
 * The framework cache of one {@code strata run}.
 * <p>
 * Normally a prepared cache kept between runs, {@code var/run-cache/SLOT}: the run that makes it installs bundle/
 * and deploy/ into it and writes down a fingerprint of what it installed; a later run whose fingerprint matches
 * finds every bundle installed already, so Felix reads its cache instead of installing each bundle again (and a
 * bundle's native library, extracted once, stays). The fingerprint is the absolute path, size and time of every
 * jar of bundle/ and deploy/ and of the launcher's class path: a jar added, removed or replaced, a home moved
 * elsewhere or a new launcher or framework makes the next run prepare the cache afresh.
 * <p>
 * Each run holds its slot by a lock on {@code var/run-cache/SLOT.lock} (released by the system when the process
 * dies, however it ends), so concurrent runs take different slots. Config Admin keeps its configurations in
 * {@link #CONFIGURATIONS_DIRECTORY}, emptied at every run: etc/ as it is now is all a run sees. The other bundles' data
 * areas stay, which is what Declarative Services' cache of component descriptions ({@code ds.cache.metadata},
 * valid while the bundles are the same) needs; no other bundle keeps data. When no slot can be had (all
 * busy, or var/ is not writable), the run gets a temporary cache as before: {@code var/tmp/run-PID} (or the same
 * under the system temporary directory), deleted at the end. The process id makes its name unique among live
 * processes without a random number generator (whose start-up costs tens of milliseconds); directories left by
 * killed runs are recognized by their dead process id and removed by the next run that needs one.
 */
final class RunStorage implements Closeable {

    /** Runs at once that each get a prepared cache; any further one gets a temporary cache. */
    static final int SLOTS = 8;
    static final String CACHE_DIRECTORY = "run-cache";
    static final String FINGERPRINT_FILE = "strata.fingerprint";
    /** Where Config Admin keeps the configurations of a run (pushed from etc/ at every run). */
    static final String CONFIGURATIONS_DIRECTORY = "configurations";
    private static final String CONFIG_ADMIN_DIRECTORY_PROPERTY = "felix.cm.dir";
    private static final String SCR_CACHE_PROPERTY = "ds.cache.metadata";
    private static final String TEMPORARY_PREFIX = "run-";

    private final File dir;
    /** The slot's lock; null for a temporary cache. */
    private final FileChannel lock;
    private final String fingerprint;
    private boolean prepared;

    private RunStorage(File dir, FileChannel lock, String fingerprint, boolean prepared) {
        this.dir = dir;
        this.lock = lock;
        this.fingerprint = fingerprint;
        this.prepared = prepared;
    }

    /** A free slot of var/run-cache, else a temporary cache. */
    static RunStorage open(File home) throws IOException {
        File var = new File(home, "var");
        String fingerprint = fingerprint(home);
        File slots = new File(var, CACHE_DIRECTORY);
        if (slots.isDirectory() || slots.mkdirs()) {
            for (int slot = 0; slot < SLOTS; slot++) {
                FileChannel lock = tryLock(new File(slots, slot + ".lock"));
                if (lock != null) {
                    return slot(new File(slots, Integer.toString(slot)), lock, fingerprint);
                }
            }
        }
        return new RunStorage(temporary(var), null, fingerprint, false);
    }

    /**
     * The framework properties of this cache: a prepared one is kept as it is, Config Admin keeps its
     * configurations in {@link #CONFIGURATIONS_DIRECTORY} ({@code felix.cm.dir}), and Declarative Services caches
     * the component descriptions it parsed ({@code ds.cache.metadata}).
     */
    Map<String, String> frameworkProperties() {
        Map<String, String> properties = AgentFramework.freshStorage(dir);
        if (prepared) {
            properties.put(Constants.FRAMEWORK_STORAGE_CLEAN, "none");
        }
        properties.put(CONFIG_ADMIN_DIRECTORY_PROPERTY, new File(dir, CONFIGURATIONS_DIRECTORY).getPath());
        properties.put(SCR_CACHE_PROPERTY, "true");
        return properties;
    }

    /** The cache's directory. */
    File directory() {
        return dir;
    }

    /** True if bundle/ and deploy/ are installed in it already, as they are now. */
    boolean prepared() {
        return prepared;
    }

    /**
     * Records that the bundles are installed: the next run with the same fingerprint reuses them. Where that cannot
     * be written (a full disk), this run goes on all the same and the next one prepares the cache again.
     */
    void markPrepared() {
        if (lock == null || prepared) {
            return;
        }
        File partial = new File(dir, FINGERPRINT_FILE + ".new");
        try {
            Files.writeString(partial.toPath(), fingerprint, StandardCharsets.UTF_8);
            Files.move(partial.toPath(), new File(dir, FINGERPRINT_FILE).toPath(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            partial.delete();
        }
    }

    /** Forgets a cache the framework failed to start from: the next run prepares it afresh. */
    void discard() {
        new File(dir, FINGERPRINT_FILE).delete();
        prepared = false;
    }

    /** Releases the slot, or deletes the temporary cache. */
    @Override
    public void close() {
        if (lock == null) {
            delete(dir);
            return;
        }
        try {
            lock.close();
        } catch (IOException ignored) {
            // the lock goes with the process anyway
        }
    }

    private static FileChannel tryLock(File file) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return channel;
            }
        } catch (IOException | RuntimeException e) {
            // not writable, or held by this process already: try the next
        }
        closeQuietly(channel);
        return null;
    }

    private static RunStorage slot(File dir, FileChannel lock, String fingerprint) throws IOException {
        boolean prepared = fingerprint.equals(read(new File(dir, FINGERPRINT_FILE)));
        if (prepared) {
            delete(new File(dir, CONFIGURATIONS_DIRECTORY));
        } else {
            delete(dir);
            if (!dir.mkdirs()) {
                closeQuietly(lock);
                throw new IOException("cannot create " + dir);
            }
        }
        return new RunStorage(dir, lock, fingerprint, prepared);
    }

    /** What a prepared cache was made from, one line per file. */
    static String fingerprint(File home) {
        StringBuilder out = new StringBuilder();
        for (String dir : List.of("bundle", "deploy")) {
            File[] jars = new File(home, dir).getAbsoluteFile().listFiles((d, name) -> name.endsWith(".jar"));
            if (jars != null) {
                Arrays.sort(jars);
                for (File jar : jars) {
                    describe(jar, out);
                }
            }
        }
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            describe(new File(entry).getAbsoluteFile(), out);
        }
        return out.toString();
    }

    private static void describe(File file, StringBuilder out) {
        out.append(file.getPath()).append(' ').append(file.length()).append(' ').append(file.lastModified())
                .append('\n');
    }

    private static String read(File file) {
        try {
            return Files.readString(file.toPath(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static File temporary(File var) throws IOException {
        long pid = ProcessHandle.current().pid();
        File tmp = new File(var, "tmp");
        if (tmp.isDirectory() || tmp.mkdirs()) {
            removeStale(tmp);
            File dir = new File(tmp, TEMPORARY_PREFIX + pid);
            if (fresh(dir)) {
                return dir;
            }
        }
        File fallback = new File(System.getProperty("java.io.tmpdir"), "strata-" + TEMPORARY_PREFIX + pid);
        if (!fresh(fallback)) {
            throw new IOException("cannot create " + fallback);
        }
        return fallback;
    }

    /** An empty directory of ours: whatever has our pid in its name was left by a dead process. */
    private static boolean fresh(File dir) {
        delete(dir);
        return dir.mkdir();
    }

    private static void removeStale(File tmp) {
        String[] names = tmp.list();
        if (names == null) {
            return;
        }
        for (String name : names) {
            if (!name.startsWith(TEMPORARY_PREFIX)) {
                continue;
            }
            try {
                long pid = Long.parseLong(name.substring(TEMPORARY_PREFIX.length()));
                if (!ProcessHandle.of(pid).isPresent()) {
                    delete(new File(tmp, name));
                }
            } catch (NumberFormatException ignored) {
                // not ours
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held
            }
        }
    }

    static void delete(File file) {
        File[] children = file.isDirectory() && !Files.isSymbolicLink(file.toPath()) ? file.listFiles() : null;
        if (children != null) {
            for (File child : children) {
                delete(child);
            }
        }
        file.delete();
    }
}
