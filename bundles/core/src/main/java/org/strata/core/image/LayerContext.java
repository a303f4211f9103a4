package org.strata.core.image;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

import org.strata.api.FormatAccess;
import org.strata.api.ImageContext;
import org.strata.api.Storage;

/**
 * The reference gate of one layer: resolves the names an image records relative to that image, admits only
 * files below the allowed roots (by real path) and URLs under allowed prefixes, opens backing files with their
 * recorded format, refuses loops, and keeps what it opened so it is closed with the layer.
 */
final class LayerContext implements ImageContext {

    private final ImageOpener opener;
    private final String name;
    private final String storageLocation;
    private final boolean writable;
    private final OpenRequest request;
    private final AllowedRoots roots;
    private final Set<String> chain;
    private final Resources opened;
    private final NewFiles made;

    /** @param made where the files this layer creates (a new external data file) are recorded */
    LayerContext(ImageOpener opener, String name, String storageLocation, boolean writable, OpenRequest request,
                 AllowedRoots roots, Set<String> chain, Resources opened, NewFiles made) {
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
        String target = resolve(reference, "backing file");
        if (chain.contains(target)) {
            throw new IOException("Backing file loop: '" + reference + "' named by '" + name
                    + "' is already in the chain");
        }
        return opener.openBackingLayer(reference, target, format, request, roots, chain, opened);
    }

    @Override
    public Storage openFile(String reference, boolean writableFile) throws IOException {
        String target = resolve(reference, "data file");
        return opened.add(opener.drivers().storageFor(target).open(target,
                request.storageOptions(writableFile)));
    }

    @Override
    public Storage createFile(String reference) throws IOException {
        String target;
        if (ImageLocation.isUrl(reference)) {
            roots.checkUrl(reference, "data file", name);
            target = reference;
        } else {
            target = roots.checkNew(baseDirectory().resolve(reference).normalize(), "data file", name).toString();
        }
        return opened.add(made.create(opener.drivers().storageFor(target), target,
                request.withDirect(false).storageOptions(true), reference));
    }

    /** The storage location of a referenced file, after the allowed-roots check. */
    private String resolve(String reference, String what) throws IOException {
        if (reference.isEmpty()) {
            throw new IOException("Empty " + what + " name in '" + name + "'");
        }
        if (ImageLocation.isUrl(reference) || reference.startsWith("json:")) {
            ImageLocation loc = ImageLocation.parse(reference, baseDirectory());
            if (ImageLocation.isUrl(loc.storage())) {
                roots.checkUrl(loc.storage(), what, name);
                return loc.storage();
            }
            return roots.check(Path.of(loc.storage()), what, name).toString();
        }
        if (ImageLocation.isUrl(storageLocation)) {
            String url = URI.create(storageLocation).resolve(reference).toString();
            roots.checkUrl(url, what, name);
            return url;
        }
        return roots.check(baseDirectory().resolve(reference).normalize(), what, name).toString();
    }

    private Path baseDirectory() {
        if (ImageLocation.isUrl(storageLocation)) {
            return request.cwd();
        }
        Path parent = Path.of(storageLocation).getParent();
        return parent != null ? parent : request.cwd();
    }
}
