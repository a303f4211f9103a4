package org.strata.core.image;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

import org.strata.api.FormatDriver;
import org.strata.api.StorageDriver;
import org.strata.api.UnsupportedFeatureException;

/** The format drivers and storage backends available now. */
public interface DriverLookup {

    /** Every format driver registered now. */
    Collection<FormatDriver> formats();

    /** Every storage backend registered now. */
    Collection<StorageDriver> storages();

    /**
     * Changes whenever the drivers looked up change (a new version of a driver replaces another): an image
     * opened before may use other driver code than one opened now.
     */
    default long generation() {
        return 0;
    }

    /** The format driver called {@code name}. */
    default FormatDriver format(String name) throws UnsupportedFeatureException {
        for (FormatDriver d : formats()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new UnsupportedFeatureException("Unknown driver '" + name + "'");
    }

    /** The storage backend that serves {@code location}. */
    default StorageDriver storageFor(String location) throws IOException {
        for (StorageDriver d : storages()) {
            if (d.accepts(location)) {
                return d;
            }
        }
        throw new UnsupportedFeatureException("No storage backend is available for '" + location + "'");
    }

    /** A fixed lookup, for tests and tools. */
    static DriverLookup of(List<FormatDriver> formats, List<StorageDriver> storages) {
        return new DriverLookup() {
            @Override
            public Collection<FormatDriver> formats() {
                return formats;
            }

            @Override
            public Collection<StorageDriver> storages() {
                return storages;
            }
        };
    }
}
