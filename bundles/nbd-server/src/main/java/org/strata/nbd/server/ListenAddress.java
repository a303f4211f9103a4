package org.strata.nbd.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.nbd.protocol.HostPort;
import org.strata.nbd.protocol.Nbd;

/**
 * Where the server listens: a TCP {@code HOST:PORT} ({@code [V6ADDR]:PORT} for IPv6 literals) or a Unix socket
 * {@code unix:PATH}. Port 0 picks a free port.
 *
 * @param tcp      the TCP address, or null for a Unix socket
 * @param unixPath the Unix socket, or null for TCP
 */
public record ListenAddress(HostPort tcp, Path unixPath) {

    public static final String DEFAULT = "127.0.0.1:" + Nbd.DEFAULT_PORT;

    public static ListenAddress tcp(String host, int port) {
        return new ListenAddress(new HostPort(host, port), null);
    }

    public static ListenAddress unix(Path path) {
        return new ListenAddress(null, path);
    }

    public boolean isUnix() {
        return unixPath != null;
    }

    /** The TCP port (0: a free one), -1 for a Unix socket. */
    public int port() {
        return isUnix() ? -1 : tcp.port();
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
        try {
            return new ListenAddress(HostPort.parse(s), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NBD listen address " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return isUnix() ? "unix:" + unixPath : tcp.toString();
    }
}
