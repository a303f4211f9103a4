package org.strata.nbd.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the server listens: a TCP {@code HOST:PORT} ({@code [V6ADDR]:PORT} for IPv6 literals) or a Unix socket
 * {@code unix:PATH}. Port 0 picks a free port.
 */
public record ListenAddress(String host, int port, Path unixPath) {

    public static final String DEFAULT = "127.0.0.1:10809";

    public static ListenAddress tcp(String host, int port) {
        return new ListenAddress(host, port, null);
    }

    public static ListenAddress unix(Path path) {
        return new ListenAddress(null, -1, path);
    }

    public boolean isUnix() {
        return unixPath != null;
    }

    /** Parses a comma-separated list; blanks around entries are ignored. */
    public static List<ListenAddress> parseList(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty NBD listen address list");
        }
        List<ListenAddress> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty NBD listen address list: '" + spec + "'");
        }
        return out;
    }

    public static ListenAddress parse(String s) {
        if (s.startsWith("unix:")) {
            String path = s.substring(5);
            if (path.isEmpty()) {
                throw new IllegalArgumentException("NBD listen address '" + s + "' names no socket path");
            }
            return unix(Path.of(path));
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("NBD listen address '" + s + "' is not HOST:PORT or unix:PATH");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("NBD listen address '" + s + "': write IPv6 addresses as [ADDR]:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("NBD listen address '" + s + "' has no valid host and port");
        }
        return tcp(host, port);
    }

    SocketAddress socketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(unixPath) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + unixPath;
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
