package org.strata.storage.nbd;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

import org.strata.api.UnsupportedFeatureException;
import org.strata.nbd.protocol.HostPort;
import org.strata.nbd.protocol.Nbd;

/**
 * An NBD location in QEMU's URL forms: {@code nbd://HOST[:PORT]/EXPORT} (port 10809 by default) and
 * {@code nbd+unix:///EXPORT?socket=PATH}. The export name is the path without its leading slash,
 * percent-decoded; it may be empty (the default export).
 */
record NbdUri(HostPort address, Path socket, String export, String text) {

    static boolean looksLikeNbd(String location) {
        return location.startsWith("nbd://") || location.startsWith("nbd+unix://")
                || location.startsWith("nbds://") || location.startsWith("nbds+unix://");
    }

    static NbdUri parse(String location) throws UnsupportedFeatureException {
        if (location.startsWith("nbds://") || location.startsWith("nbds+unix://")) {
            throw new UnsupportedFeatureException(location + ": NBD over TLS (nbds) is not supported by the client");
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid NBD URL '" + location + "': " + e.getReason());
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String export = path.startsWith("/") ? path.substring(1) : path;
        if ("nbd".equals(uri.getScheme())) {
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("invalid NBD URL '" + location + "': no host (nbd://HOST[:PORT]/EXPORT)");
            }
            try {
                return new NbdUri(new HostPort(host, uri.getPort() < 0 ? Nbd.DEFAULT_PORT : uri.getPort()), null,
                        export, location);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid NBD URL '" + location + "': " + e.getMessage());
            }
        }
        if ("nbd+unix".equals(uri.getScheme())) {
            if (uri.getRawAuthority() != null) {
                throw new IllegalArgumentException("invalid NBD URL '" + location
                        + "': a Unix socket URL has no host (nbd+unix:///EXPORT?socket=PATH)");
            }
            String socket = queryParameter(uri.getRawQuery(), "socket");
            if (socket == null || socket.isEmpty()) {
                throw new IllegalArgumentException("invalid NBD URL '" + location + "': no socket=PATH parameter");
            }
            return new NbdUri(null, Path.of(socket), export, location);
        }
        throw new IllegalArgumentException("invalid NBD URL '" + location + "': unknown scheme");
    }

    private static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1).replace("+", "%2B"),
                        java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    boolean isUnix() {
        return socket != null;
    }

    @Override
    public String toString() {
        return text;
    }
}
