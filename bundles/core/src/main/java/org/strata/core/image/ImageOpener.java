package org.strata.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.Storage;
import org.strata.api.StorageDriver;
import org.strata.api.StorageOptions;
import org.strata.api.StoragePath;
import org.strata.engine.AlignedStorage;
import org.strata.engine.Engine;
import org.strata.engine.WriteGate;

/**
 * Opens and creates the images users name, with their backing chains. The image the user names is probed
 * when no format is given; every file it names goes through a {@link LayerContext}, the reference gate, and
 * must lie under an allowed root: the configured ones, the request's, and the directory of the named image.
 * Each image opened is an engine ({@link Engine}) over its driver's image; each storage it opens or creates is
 * put behind an {@link AlignedStorage} when its backend takes only aligned requests.
 */
public final class ImageOpener {

    private final DriverLookup drivers;
    private final List<String> configuredRoots;
    private final SharedLayers shared;
    private final Executor ioThreads;

    /**
     * @param configuredRoots allowed.roots: directories and URL prefixes
     * @param shared          where read-only backing images are shared between chains, or null to open each alone
     * @param ioThreads       runs the parallel sub-requests of the images opened
     */
    public ImageOpener(DriverLookup drivers, List<String> configuredRoots, SharedLayers shared, Executor ioThreads) {
        this.drivers = drivers;
        this.configuredRoots = List.copyOf(configuredRoots);
        this.shared = shared;
        this.ioThreads = ioThreads;
    }

    /**
     * Opens a read-only backing layer, shared with other chains when sharing is on; {@code opened} gets what
     * releases it.
     */
    FormatAccess openBackingLayer(String name, String location, StoragePath where, String format,
                                  OpenRequest request, AllowedRoots roots, Set<StoragePath> chain, Resources opened)
            throws IOException {
        if (shared == null) {
            return opened.add(openLayer(name, location, where, format, false, false, request, roots, chain));
        }
        SharedLayers.Key key = new SharedLayers.Key(where, format, request.forceShare(), request.cache(),
                drivers.generation());
        FormatAccess access = shared.acquire(key,
                () -> openLayer(name, location, where, format, false, false, request, roots, chain));
        opened.add(() -> shared.release(key, access));
        return access;
    }

    public DriverLookup drivers() {
        return drivers;
    }

    /** The configured allowed.roots, as given: directories and URL prefixes. */
    public List<String> configuredRoots() {
        return configuredRoots;
    }

    /**
     * An allowed root a user names ({@code --allow-root}, allowed.roots): a directory (relative to {@code cwd}) or
     * a URL prefix, where its backend says it lies.
     *
     * @throws IOException when no backend serves it or it is not a valid name for the backend that does
     */
    public StoragePath root(String name, Path cwd) throws IOException {
        return pathOf(ImageLocation.parse(name, cwd).storage());
    }

    /**
     * The directory of the image at {@code location} (a path or URL, as {@link ImageLocation#storage()}): the
     * default root of what the image names. For a URL, the URL up to its last '/'.
     */
    public StoragePath directoryOf(String location) throws IOException {
        return pathOf(location).parent();
    }

    /** Opens a storage as drivers may use it: aligned by a wrapper where its backend needs aligned requests. */
    Storage openStorage(String location, StorageOptions options) throws IOException {
        return AlignedStorage.forAnyRequest(drivers.storageFor(location).open(location, options));
    }

    /** Where a storage location lies, as its backend says. */
    StoragePath pathOf(String location) throws IOException {
        return drivers.storageFor(location).pathOf(location);
    }

    /** Opens the image {@code name} (a path, URL or json: name) as {@code request} says. */
    public FormatAccess open(String name, OpenRequest request) throws IOException {
        ImageLocation location = ImageLocation.parse(name, request.cwd());
        String format = request.format() != null ? request.format() : location.format();
        StoragePath where = placeOf(name, location);
        return openLayer(name, location.storage(), where, format, true, request.writable(), request,
                rootsFor(where, request), Set.of());
    }

    /**
     * Creates the image {@code name} in {@code format}. The driver checks the request before the file is created
     * (see {@link DeferredStorage}); when creation fails anyway, the files it made are removed again.
     */
    public CreatedImage create(String name, String format, CreateRequest create, OpenRequest request)
            throws IOException {
        FormatDriver driver = drivers.format(format);
        ImageLocation location = ImageLocation.parse(name, request.cwd());
        StoragePath where = placeOf(name, location);
        AllowedRoots roots = rootsFor(where, request);
        StorageDriver storageDriver = drivers.storageFor(location.storage());
        NewFiles made = new NewFiles();
        DeferredStorage.Creation creation = () -> made.create(storageDriver, location.storage(),
                request.newFileOptions(), name);
        // a host block device is there before and after: nothing to defer, and the driver must see its fixed size
        try (Resources opened = new Resources();
             Storage storage = isDevice(location.storage()) ? creation.create()
                     : new DeferredStorage(location.storage(), storageDriver.name(), creation)) {
            LayerContext context = new LayerContext(this, name, location.storage(), true,
                    request.toBuilder().openBacking(create.openBacking()).build(), roots, Set.of(where), opened, made);
            Map<String, String> printed = driver.create(storage, create, context);
            storage.flush();
            return new CreatedImage(printed, made);
        } catch (IOException | RuntimeException e) {
            try {
                made.remove();
            } catch (IOException removal) {
                e.addSuppressed(removal);
            }
            throw e;
        }
    }

    /** Whether {@code location} names an existing local file that is not a regular file (a host block device). */
    private static boolean isDevice(String location) {
        if (ImageLocation.isUrl(location) || location.startsWith("json:")) {
            return false;
        }
        java.nio.file.Path path = java.nio.file.Path.of(location);
        return java.nio.file.Files.exists(path) && !java.nio.file.Files.isRegularFile(path);
    }

    /** Where the image a user names lies; a name no backend understands fails as its opening would. */
    private StoragePath placeOf(String name, ImageLocation location) throws IOException {
        try {
            return pathOf(location.storage());
        } catch (IOException | RuntimeException e) {
            throw openFailure(name, e);
        }
    }

    /**
     * Refuses {@code name} (an image, or a root, relative to {@code cwd}) unless it lies below a configured root
     * (nodes.restrict.to.roots); the message says what {@code why} refuses it.
     */
    public void requireConfiguredRoot(String name, Path cwd, String why) throws IOException {
        ImageLocation location = ImageLocation.parse(name, cwd);
        AllowedRoots configured = configuredAllowedRoots();
        if (!configured.holds(placeOf(name, location))) {
            throw new AccessDeniedException(location.storage(), null, "Refusing '" + location.storage() + "': it is "
                    + "outside the allowed roots (" + configured.inForce() + ") and " + why);
        }
    }

    /** The configured roots; those no backend understands now (say of a backend not deployed) hold nothing. */
    private AllowedRoots configuredAllowedRoots() {
        List<StoragePath> roots = new ArrayList<>();
        for (String r : configuredRoots) {
            try {
                roots.add(root(r, Path.of("/")));
            } catch (IOException | RuntimeException e) {
                // nothing lies under it
            }
        }
        return new AllowedRoots(roots);
    }

    /** The configured roots, the request's, and the directory of the named image, which lies at {@code where}. */
    private AllowedRoots rootsFor(StoragePath where, OpenRequest request) {
        List<StoragePath> roots = new ArrayList<>(configuredAllowedRoots().roots());
        roots.addAll(request.extraRoots());
        roots.add(where.parent());
        return new AllowedRoots(roots);
    }

    /**
     * Opens one layer and, through its context, what it names.
     *
     * @param where    where the layer's storage lies
     * @param mayProbe whether an unknown format may be probed to any format (only for the image the user
     *                 named); otherwise only a format that takes anything (raw) is accepted without a recorded
     *                 format
     * @param chain    where the layers above lie, to refuse loops
     */
    FormatAccess openLayer(String name, String storageLocation, StoragePath where, String format, boolean mayProbe,
                           boolean writable, OpenRequest request, AllowedRoots roots, Set<StoragePath> chain)
            throws IOException {
        Resources opened = new Resources();
        try {
            Storage storage = opened.add(openStorage(storageLocation, request.storageOptions(writable)));
            FormatDriver driver = format != null ? drivers.format(format) : probe(storage, name, mayProbe);
            Set<StoragePath> below = new HashSet<>(chain);
            below.add(where);
            LayerContext context = new LayerContext(this, name, storageLocation, writable, request, roots,
                    Set.copyOf(below), opened, new NewFiles());
            FormatImage image = driver.open(storage, context);
            // as qemu: a probed raw image's first sector must not be written into another format's header
            WriteGate gate = format == null && writable && driver.name().equals("raw")
                    ? new ProbedRawGuard(name, this::bestMatch) : WriteGate.OPEN;
            return new Engine(image, opened, ioThreads, gate);
        } catch (IOException | RuntimeException e) {
            opened.closeQuietly(e);
            throw openFailure(name, e);
        }
    }

    /** {@code Could not open 'NAME': WHY}, said once. */
    static IOException openFailure(String name, Exception e) {
        String msg = Errors.oneLine(e);
        return new IOException(msg.startsWith("Could not open '" + name + "'") ? msg
                : "Could not open '" + name + "': " + msg, e);
    }

    /** The format whose driver is surest about the storage's first bytes. */
    private FormatDriver probe(Storage storage, String name, boolean mayProbe) throws IOException {
        long size = storage.size();
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(FormatDriver.PROBE_BYTES, size));
        storage.read(head, 0);
        head.flip();
        FormatDriver best = bestMatch(head, size);
        if (!mayProbe && best.probe(head.duplicate(), size) > FormatDriver.PROBE_ANYTHING) {
            throw new IOException("its format is not recorded and it looks like " + best.name()
                    + "; files named inside an image are never probed to a format that can name other files"
                    + " (record the format, e.g. with image:rebase -u -b NAME -F " + best.name() + ")");
        }
        return best;
    }

    /** The format whose driver is surest about {@code head}, the first bytes of an image of {@code size} bytes. */
    private FormatDriver bestMatch(ByteBuffer head, long size) throws IOException {
        FormatDriver best = null;
        int bestScore = 0;
        for (FormatDriver d : drivers.formats()) {
            int score = d.probe(head.duplicate(), size);
            if (score > bestScore || (score == bestScore && best != null && d.name().compareTo(best.name()) < 0)) {
                best = d;
                bestScore = score;
            }
        }
        if (best == null) {
            throw new IOException("Could not determine the image format (no format driver is available)");
        }
        return best;
    }
}
