package org.strata.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.Storage;
import org.strata.core.image.ImageLocation;
import org.strata.core.image.ImageOpener;
import org.strata.core.image.OpenRequest;

/** The layers of an image's backing chain, top first, as found by opening it once through the gate. */
record Chain(List<Layer> layers) {

    /** One image of the chain: where it lies and its format. */
    record Layer(String location, String format) {
    }

    static Chain of(ImageOpener opener, String file, OpenRequest request) throws IOException {
        List<Layer> layers = new ArrayList<>();
        try (FormatAccess top = opener.open(file, request.withWritable(false).withOpenBacking(true))) {
            for (FormatAccess a = top; a != null; a = a.image().backing()) {
                List<Storage> storages = a.image().storages();
                layers.add(new Layer(storages.get(0).location(), a.formatName()));
            }
        }
        return new Chain(List.copyOf(layers));
    }

    /** The index of the layer {@code name} (a path relative to {@code cwd}, or to the top image's directory). */
    int indexOf(String name, Path cwd) throws IOException {
        Path top = Path.of(layers.get(0).location()).getParent();
        for (Path candidate : List.of(cwd.resolve(name), top == null ? cwd.resolve(name) : top.resolve(name))) {
            for (int i = 1; i < layers.size(); i++) {
                String loc = layers.get(i).location();
                if (loc.equals(name) || !ImageLocation.isUrl(loc) && Files.exists(candidate)
                        && Files.isSameFile(candidate, Path.of(loc))) {
                    return i;
                }
            }
        }
        throw new IOException("Did not find '" + name + "' in the backing chain of '" + layers.get(0).location()
                + "'");
    }
}
