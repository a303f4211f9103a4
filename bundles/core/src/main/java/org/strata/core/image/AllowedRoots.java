package org.strata.core.image;

import java.nio.file.AccessDeniedException;
import java.util.List;
import java.util.stream.Collectors;

import org.strata.api.StoragePath;

/**
 * The roots below which files named inside images may be opened: directories and URL prefixes alike, each where
 * its storage backend says it lies ({@link org.strata.api.StorageDriver#pathOf}): a local file by its real path,
 * so a symbolic link cannot lead outside; a URL by scheme, host, port and its decoded, normalized path, so
 * {@code http://host/dir} holds neither {@code http://host/dirx/} nor {@code http://host.evil/}.
 */
final class AllowedRoots {

    /** Where an administrator allows more roots, for messages. */
    static final String HOW_TO_ALLOW =
            "allow it with --allow-root DIR|URL_PREFIX or allowed.roots in etc/org.strata.agent.cfg";

    private final List<StoragePath> roots;

    AllowedRoots(List<StoragePath> roots) {
        this.roots = List.copyOf(roots);
    }

    /**
     * Checks a file an image names.
     *
     * @param where    where the file lies
     * @param location the file, for the message
     * @param what     what the file is to the image ("backing file", "data file")
     * @param namedBy  the image that names it
     */
    void check(StoragePath where, String location, String what, String namedBy) throws AccessDeniedException {
        if (!holds(where)) {
            throw new AccessDeniedException(location, null, "Refusing to open " + what + " '" + location
                    + "' named by '" + namedBy + "': it is outside the allowed roots (" + inForce() + "); "
                    + HOW_TO_ALLOW);
        }
    }

    /** Whether {@code where} lies below one of the roots. */
    boolean holds(StoragePath where) {
        return roots.stream().anyMatch(where::isUnder);
    }

    List<StoragePath> roots() {
        return roots;
    }

    /** The roots, for messages. */
    String inForce() {
        return roots.isEmpty() ? "none"
                : roots.stream().distinct().map(StoragePath::toString).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return roots.toString();
    }
}
