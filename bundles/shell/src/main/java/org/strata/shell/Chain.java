package org.strata.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.StoragePath;
import org.strata.core.image.ImageLocation;
import org.strata.core.image.ImageOpener;
import org.strata.core.image.OpenRequest;

/**
 * The layers of an image's backing chain, top first, as found by opening it once through the reference gate.
 * Commands that work on single layers (commit writes into a base, a stream reads down to one) reopen them from
 * here with {@link #layerRequest}, under the same allowed roots the chain was admitted with.
 *
 * @param file      the top image as the user named it
 * @param layers    top first
 * @param reopening how a layer reopens: as the top was opened, with the top's directory among the roots, so a
 *                  layer in another directory is not judged by its own
 */
record Chain(String file, List<Layer> layers, OpenRequest reopening) {

    /**
     * One image of the chain.
     *
     * @param location where it lies (an absolute path or a URL)
     * @param format   its format
     * @param backing  the backing file name it records, or null
     */
    record Layer(String location, String format, String backing) {
    }

    static Chain of(ImageOpener opener, String file, OpenRequest request) throws IOException {
        List<Layer> layers = new ArrayList<>();
        try (FormatAccess top = opener.open(file, request.toBuilder().writable(false).openBacking(true).build())) {
            for (FormatAccess a = top; a != null; a = a.backing()) {
                layers.add(new Layer(a.storages().get(0).location(), a.formatName(),
                        a.info().backingFilename()));
            }
        }
        List<StoragePath> roots = new ArrayList<>(request.extraRoots());
        roots.add(opener.directoryOf(layers.get(0).location()));
        return new Chain(file, List.copyOf(layers), request.toBuilder().extraRoots(roots).build());
    }

    /** How to reopen a layer of this chain alone: with its recorded format, under the chain's roots. */
    OpenRequest.Builder layerRequest(int index) {
        return reopening.toBuilder().format(layers.get(index).format());
    }

    /**
     * The index of the backing layer {@code name} names, found as qemu-img finds a base: for each layer, the
     * name is taken relative to the directory of that layer (not the working directory) and compared with the
     * file that layer records as its backing file.
     */
    int indexOf(String name) throws IOException, CommandFailure {
        for (int i = 0; i + 1 < layers.size(); i++) {
            Layer naming = layers.get(i);
            Layer backing = layers.get(i + 1);
            if (ImageLocation.isUrl(name) || ImageLocation.isUrl(backing.location())) {
                if (name.equals(naming.backing()) || name.equals(backing.location())) {
                    return i + 1;
                }
                continue;
            }
            Path dir = ImageLocation.isUrl(naming.location()) ? null : Path.of(naming.location()).getParent();
            Path candidate = dir == null ? Path.of(name) : dir.resolve(name);
            if (Files.exists(candidate) && Files.isSameFile(candidate, Path.of(backing.location()))) {
                return i + 1;
            }
        }
        throw new CommandFailure("Did not find '" + name + "' in the backing chain of '" + file + "'", 1);
    }
}
