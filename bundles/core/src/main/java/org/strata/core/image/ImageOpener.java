package org.strata.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.FormatDriver;
import org.strata.api.FormatImage;
import org.strata.api.IoThreads;
import org.strata.api.Storage;

/**
 * Opens and creates the images users name, with their backing chains. The image the user names is probed
 * when no format is given; every file it names goes through a {@link LayerContext}, the reference gate.
 */
public final class ImageOpener {

    private final DriverLookup drivers;
    private final AllowedRoots configuredRoots;
    private final SharedLayers shared;

    public ImageOpener(DriverLookup drivers, AllowedRoots configuredRoots) {
        this(drivers, configuredRoots, null);
    }

    /** @param shared where read-only backing images are shared between chains, or null to open each alone */
    public ImageOpener(DriverLookup drivers, AllowedRoots configuredRoots, SharedLayers shared) {
        this.drivers = drivers;
        this.configuredRoots = configuredRoots;
        this.shared = shared;
    }

    /**
     * Opens a read-only backing layer, shared with other chains when sharing is on; {@code opened} gets what
     * releases it.
     */
    FormatAccess openBackingLayer(String name, String location, String format, OpenRequest request,
                                  AllowedRoots roots, java.util.Set<String> chain, Resources opened)
            throws IOException {
        if (shared == null) {
            return opened.add(openLayer(name, location, format, false, false, request, roots, chain));
        }
        SharedLayers.Key key = new SharedLayers.Key(location, format, request.forceShare(), request.direct(),
                drivers.generation());
        FormatAccess access = shared.acquire(key,
                () -> openLayer(name, location, format, false, false, request, roots, chain));
        opened.add(() -> shared.release(key, access));
        return access;
    }

    public DriverLookup drivers() {
        return drivers;
    }

    /** Opens the image {@code name} (a path, URL or json: name) as {@code request} says. */
    public FormatAccess open(String name, OpenRequest request) throws IOException {
        ImageLocation location = ImageLocation.parse(name, request.cwd());
        String format = request.format() != null ? request.format() : location.format();
        AllowedRoots roots = rootsFor(location, request);
        return openLayer(name, location.storage(), format, true, request.writable(), request, roots, Set.of());
    }

    /**
     * Creates the image {@code name} in {@code format}.
     *
     * @return the effective options, as the driver prints them after {@code Formatting '...', fmt=...}
     */
    public Map<String, String> create(String name, String format, CreateRequest create, OpenRequest request)
            throws IOException {
        FormatDriver driver = drivers.format(format);
        ImageLocation location = ImageLocation.parse(name, request.cwd());
        AllowedRoots roots = rootsFor(location, request);
        Resources opened = new Resources();
        try (Storage storage = drivers.storageFor(location.storage()).create(location.storage(),
                request.withDirect(false).storageOptions(true))) {
            LayerContext context = new LayerContext(this, name, location.storage(), true,
                    request.withOpenBacking(create.openBacking()), roots, Set.of(location.storage()), opened);
            Map<String, String> printed = driver.create(storage, create, context);
            storage.flush();
            return printed;
        } catch (IOException | RuntimeException e) {
            opened.closeQuietly(e);
            throw e;
        } finally {
            opened.close();
        }
    }

    private AllowedRoots rootsFor(ImageLocation location, OpenRequest request) {
        AllowedRoots roots = configuredRoots.withAll(request.extraRoots());
        if (!ImageLocation.isUrl(location.storage())) {
            Path parent = Path.of(location.storage()).getParent();
            if (parent != null) {
                roots = roots.with(parent);
            }
        }
        return roots;
    }

    /**
     * Opens one layer and, through its context, what it names.
     *
     * @param mayProbe whether an unknown format may be probed to any format (only for the image the user
     *                 named); otherwise only raw is accepted without a recorded format
     * @param chain    the storage locations of the layers above, to refuse loops
     */
    FormatAccess openLayer(String name, String storageLocation, String format, boolean mayProbe, boolean writable,
                           OpenRequest request, AllowedRoots roots, Set<String> chain) throws IOException {
        Resources opened = new Resources();
        try {
            Storage storage = opened.add(drivers.storageFor(storageLocation).open(storageLocation,
                    request.storageOptions(writable)));
            FormatDriver driver = format != null ? drivers.format(format) : probe(storage, name, mayProbe);
            Set<String> below = new HashSet<>(chain);
            below.add(storageLocation);
            LayerContext context = new LayerContext(this, name, storageLocation, writable, request, roots,
                    Set.copyOf(below), opened);
            FormatImage image = driver.open(storage, context);
            return new FormatAccess(image, opened, IoThreads.executor());
        } catch (IOException | RuntimeException e) {
            opened.closeQuietly(e);
            String msg = Errors.oneLine(e);
            throw new IOException(msg.startsWith("Could not open '" + name + "'") ? msg
                    : "Could not open '" + name + "': " + msg, e);
        }
    }

    /** The format whose driver is surest about the storage's first bytes. */
    private FormatDriver probe(Storage storage, String name, boolean mayProbe) throws IOException {
        long size = storage.size();
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(FormatDriver.PROBE_BYTES, size));
        storage.read(head, 0);
        head.flip();
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
        if (!mayProbe && !best.name().equals("raw")) {
            throw new IOException("its format is not recorded and it looks like " + best.name()
                    + "; files named inside an image are never probed to a format that can name other files"
                    + " (record the format, e.g. with image:rebase -u -b NAME -F " + best.name() + ")");
        }
        return best;
    }
}
