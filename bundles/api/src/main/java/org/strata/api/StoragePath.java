package org.strata.api;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a storage location lies, as the allowed roots compare it: the namespace it belongs to (the local file
 * system, one server, one cluster) and the names that lead to it there. A location lies under a root when both
 * have the same namespace and the root's names begin the location's; the default root of an image is its
 * {@link #parent()}. Two locations at the same path are the same storage object.
 *
 * @param namespace where the names apply, written so that it reads as the start of a location: {@code "/"} for
 *                  local files, {@code "http://host:80/"} for a web server, {@code "rbd:"} for a Ceph cluster
 * @param names     the names from the top of the namespace down; none is empty, "." or ".."
 */
public record StoragePath(String namespace, List<String> names) {

    public StoragePath {
        names = List.copyOf(names);
        for (String n : names) {
            if (n.isEmpty() || n.equals(".") || n.equals("..")) {
                throw new IllegalArgumentException("not a normalized name: '" + n + "' in " + names);
            }
        }
    }

    /**
     * The path of {@code '/'}-separated names: empty and "." names are dropped, and ".." drops the name before it
     * (never leading above the top, as a web server resolves it).
     */
    public static StoragePath of(String namespace, String path) {
        List<String> names = new ArrayList<>();
        for (String n : path.split("/")) {
            if (n.equals("..")) {
                if (!names.isEmpty()) {
                    names.remove(names.size() - 1);
                }
            } else if (!n.isEmpty() && !n.equals(".")) {
                names.add(n);
            }
        }
        return new StoragePath(namespace, names);
    }

    /**
     * Where a URL lies: its namespace is scheme, host and port ({@code scheme://host:port/}, in lower case, the
     * scheme's default port filled in), its names those of the percent-decoded path. Decoding comes first, so an
     * encoded '/' or '.' separates and climbs as it does for a server that decodes before it resolves.
     *
     * @throws IllegalArgumentException when the URL names no host
     */
    public static StoragePath ofUrl(URI url, int defaultPort) {
        if (url.getHost() == null || url.getScheme() == null) {
            throw new IllegalArgumentException("the URL names no host: " + url);
        }
        int port = url.getPort() < 0 ? defaultPort : url.getPort();
        String namespace = url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getHost().toLowerCase(Locale.ROOT)
                + ":" + port + "/";
        return of(namespace, url.getPath() == null ? "" : url.getPath());
    }

    /** The path one name up (the directory of a file); the top of the namespace is its own parent. */
    public StoragePath parent() {
        return names.isEmpty() ? this : new StoragePath(namespace, names.subList(0, names.size() - 1));
    }

    /** Whether this path is {@code root} or lies below it. */
    public boolean isUnder(StoragePath root) {
        return namespace.equals(root.namespace) && names.size() >= root.names.size()
                && names.subList(0, root.names.size()).equals(root.names);
    }

    @Override
    public String toString() {
        return namespace + String.join("/", names);
    }
}
