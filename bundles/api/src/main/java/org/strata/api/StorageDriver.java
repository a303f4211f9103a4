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

    /**
     * Where {@code location} lies, for the allowed roots: a file named inside an image opens only when its path
     * lies under an allowed root, and the parent of the image a user names is one. Also parses the roots users
     * allow ({@code --allow-root}) as this backend's locations. The default says nothing nests: a location is
     * under nothing but itself.
     *
     * @throws IOException when the location is not one of this backend's
     */
    default StoragePath pathOf(String location) throws IOException {
        return new StoragePath(location, java.util.List.of());
    }

    /** Opens an existing storage object. */
    Storage open(String location, StorageOptions options) throws IOException;

    /**
     * Creates a new, empty storage object (truncating an existing file), opened for writing.
     *
     * @throws UnsupportedFeatureException where the backend cannot create objects (a remote export)
     */
    Storage create(String location, StorageOptions options) throws IOException;
}
