package org.strata.api;

import java.io.IOException;

/**
 * A storage backend, registered as an OSGi service with the property {@code strata.storage=<name>}.
 */
public interface StorageDriver {

    /** Service property naming the backend. */
    String PROPERTY = "strata.storage";

    String name();

    /** Whether this backend serves the location (a path for {@code file}, a URL scheme for others). */
    boolean accepts(String location);

    /** Opens an existing storage object. */
    Storage open(String location, StorageOptions options) throws IOException;

    /**
     * Creates a new, empty storage object (truncating an existing file), opened for writing.
     *
     * @throws UnsupportedFeatureException where the backend cannot create objects (a remote export)
     */
    Storage create(String location, StorageOptions options) throws IOException;
}
