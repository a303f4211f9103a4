package org.strata.storage.rbd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.strata.api.StoragePath;

/**
 * An RBD location in QEMU's syntax, {@code rbd:POOL/[NAMESPACE/]IMAGE[@SNAP][:KEY=VALUE...]}: the keys {@code conf}
 * (a Ceph configuration file) and {@code id} (the user, without {@code client.}) are QEMU's; every other key is a
 * Ceph option set on the connection. A backslash escapes the character after it. An empty image name
 * ({@code rbd:POOL/} or {@code rbd:POOL/NAMESPACE/}) names the pool or namespace itself, as an allowed root does.
 *
 * @param namespace the RBD namespace, "" for the pool's default one
 * @param image     the image, "" when the name is a pool (or namespace)
 * @param snapshot  the snapshot, or null
 * @param conf      the configuration file as given, or null for Ceph's default search
 * @param user      the user as given, or null for Ceph's default ({@code admin})
 * @param options   the other keys, in the order given
 */
record RbdName(String pool, String namespace, String image, String snapshot, String conf, String user,
               List<Option> options) {

    static final String PREFIX = "rbd:";
    private static final String DEFAULT_USER = "admin";

    /** A Ceph option of the name. */
    record Option(String key, String value) {
    }

    RbdName {
        options = List.copyOf(options);
    }

    /** @throws IllegalArgumentException with QEMU's message when the name does not parse */
    static RbdName parse(String location) {
        if (!location.startsWith(PREFIX)) {
            throw new IllegalArgumentException("File name must start with 'rbd:'");
        }
        String rest = location.substring(PREFIX.length());
        int slash = find(rest, '/');
        if (slash <= 0) {
            throw new IllegalArgumentException("Pool name is required");
        }
        String pool = unescape(rest.substring(0, slash));
        rest = rest.substring(slash + 1);

        String snapshot = null;
        String imagePart;
        int at = find(rest, '@');
        if (at >= 0) {
            imagePart = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = find(rest, ':');
            snapshot = unescape(colon < 0 ? rest : rest.substring(0, colon));
            rest = colon < 0 ? null : rest.substring(colon + 1);
        } else {
            int colon = find(rest, ':');
            imagePart = colon < 0 ? rest : rest.substring(0, colon);
            rest = colon < 0 ? null : rest.substring(colon + 1);
        }
        String namespace = "";
        int nsSlash = find(imagePart, '/');
        if (nsSlash >= 0) {
            namespace = unescape(imagePart.substring(0, nsSlash));
            imagePart = imagePart.substring(nsSlash + 1);
        }
        String image = unescape(imagePart);

        String conf = null;
        String user = null;
        List<Option> options = new ArrayList<>();
        while (rest != null) {
            int eq = find(rest, '=');
            if (eq < 0) {
                throw new IllegalArgumentException("conf option " + unescape(rest) + " has no value");
            }
            String key = unescape(rest.substring(0, eq));
            rest = rest.substring(eq + 1);
            int colon = find(rest, ':');
            String value = unescape(colon < 0 ? rest : rest.substring(0, colon));
            rest = colon < 0 ? null : rest.substring(colon + 1);
            switch (key) {
                case "conf" -> conf = value;
                case "id" -> user = value;
                default -> options.add(new Option(key, value));
            }
        }
        return new RbdName(pool, namespace, image, snapshot, conf, user, options);
    }

    /** Whether the name is a pool or namespace rather than an image. */
    boolean isDirectory() {
        return image.isEmpty();
    }

    /** The Ceph user name, e.g. {@code client.admin}. */
    String clientName() {
        return "client." + (user == null ? DEFAULT_USER : user);
    }

    /**
     * Where the image lies for the allowed roots: the namespace is the cluster as this name reaches it (its
     * configuration file, monitors and user), and the names are the pool (with its RBD namespace, so namespaces are
     * apart as pools are) and the image. So the directory of {@code rbd:pool/a} holds {@code rbd:pool/b} of the same
     * cluster and user, but not {@code rbd:pool/ns/b}, {@code rbd:other/b} or another cluster's {@code pool/b}.
     */
    StoragePath path() {
        StringBuilder cluster = new StringBuilder("rbd:{conf=");
        cluster.append(conf == null ? "(default)" : Path.of(conf).toAbsolutePath().normalize().toString());
        for (Option o : options) {
            String key = o.key().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
            if (key.equals("mon_host")) {
                cluster.append(",mon_host=").append(o.value());
            }
        }
        cluster.append(",id=").append(user == null ? DEFAULT_USER : user).append("}/");
        String directory = namespace.isEmpty() ? pool : pool + "/" + namespace;
        List<String> names = isDirectory() ? List.of(directory) : List.of(directory, image);
        return new StoragePath(cluster.toString(), names);
    }

    /** The image for messages: {@code pool/[namespace/]image[@snap]}. */
    String displayName() {
        return pool + "/" + (namespace.isEmpty() ? "" : namespace + "/") + image
                + (snapshot == null ? "" : "@" + snapshot);
    }

    /** The index of the first unescaped {@code delim} in {@code s}, or -1. */
    private static int find(String s, char delim) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == delim) {
                return i;
            }
            if (c == '\\' && i + 1 < s.length()) {
                i++;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                c = s.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
