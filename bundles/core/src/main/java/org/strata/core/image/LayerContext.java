package org.strata.core.image;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

import org.strata.api.FormatAccess;
import org.strata.api.ImageContext;
import org.strata.api.Storage;
import org.strata.api.StoragePath;

/**
 * The reference gate of one layer: resolves the names an image records relative to that image, admits only
 * files that lie under the allowed roots (a local file by its real path, a URL by its normalized one), opens
 * backing files with their recorded format, refuses loops, and keeps what it opened so it is closed with the layer.
 */
final class LayerContext implements ImageContext {

    private final ImageOpener opener;
    private final String name;
    private final String storageLocation;
    private final boolean writable;
    private final OpenRequest request;
    private final AllowedRoots roots;
    /** Where the layers from the top down to this one lie. */
    private final Set<StoragePath> chain;
    private final Resources opened;
    private final NewFiles made;

    /** @param made where the files this layer creates (a new external data file) are recorded */
    LayerContext(ImageOpener opener, String name, String storageLocation, boolean writable, OpenRequest request,
                 AllowedRoots roots, Set<StoragePath> chain, Resources opened, NewFiles made) {
        this.opener = opener;
        this.name = name;
        this.storageLocation = storageLocation;
        this.writable = writable;
        this.request = request;
        this.roots = roots;
        this.chain = chain;
        this.opened = opened;
        this.made = made;
    }

    @Override
    public String location() {
        return name;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public boolean openBacking() {
        return request.openBacking();
    }

    @Override
    public FormatAccess openBacking(String reference, String format) throws IOException {
        Target target = resolve(reference, "backing file");
        if (chain.contains(target.where())) {
            throw new IOException("Backing file loop: '" + reference + "' named by '" + name
                    + "' is already in the chain");
        }
        return opener.openBackingLayer(reference, target.location(), target.where(), format, request, roots, chain,
                opened);
    }

    @Override
    public Storage openFile(String reference, boolean writableFile) throws IOException {
        String target = resolve(reference, "data file").location();
        return opened.add(opener.openStorage(target, request.storageOptions(writableFile)));
    }

    @Override
    public Storage createFile(String reference) throws IOException {
        String target = resolve(reference, "data file").location();
        return opened.add(made.create(opener.drivers().storageFor(target), target, request.newFileOptions(),
                reference));
    }

    /** A file an image names: its storage location and where that lies. */
    private record Target(String location, StoragePath where) {
    }

    /** The file {@code reference} names, after the allowed-roots check. */
    private Target resolve(String reference, String what) throws IOException {
        if (reference.isEmpty()) {
            throw new IOException("Empty " + what + " name in '" + name + "'");
        }
        // as QEMU's path_combine: a relative name in a URL's image is a URL too; an absolute path is a local file
        boolean relative = !ImageLocation.isUrl(reference) && !reference.startsWith("json:")
                && !reference.startsWith("/");
        if (relative && ImageLocation.isRbd(storageLocation)) {
            // QEMU combines it with the rbd: name as if that were a path, into a name that works nowhere
            throw new IOException("Cannot open " + what + " '" + reference + "' named by '" + name
                    + "': a relative name means nothing in an RBD image; record the whole rbd: name");
        }
        String location = relative && ImageLocation.isUrl(storageLocation)
                ? URI.create(storageLocation).resolve(reference).toString()
                : ImageLocation.parse(reference, baseDirectory()).storage();
        StoragePath where;
        try {
            where = opener.pathOf(location);
        } catch (IOException e) {
            throw new IOException("Could not open " + what + " '" + location + "': " + Errors.oneLine(e), e);
        }
        roots.check(where, location, what, name);
        return new Target(location, where);
    }

    /** What a relative name in this image is relative to: the image's directory (a URL's is resolved apart). */
    private Path baseDirectory() {
        if (ImageLocation.isUrl(storageLocation)) {
            return request.cwd();
        }
        Path parent = Path.of(storageLocation).getParent();
        return parent != null ? parent : request.cwd();
    }
}
