package org.strata.nbd.protocol;

import java.net.InetSocketAddress;

/**
 * A TCP endpoint: a host name or address and a port. IPv6 literals are kept without brackets and written with
 * them ({@code [::1]:10809}), as URLs and {@code HOST:PORT} strings need.
 */
public record HostPort(String host, int port) {

    /** @param host a name or an address; an IPv6 literal may come in brackets, as a URL writes it */
    public HostPort {
        if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the port is not between 0 and 65535");
        }
    }

    /** Parses {@code HOST:PORT}, or {@code [ADDR]:PORT} for an IPv6 address. */
    public static HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        String port = text.substring(colon + 1);
        if (colon < 0 || port.isEmpty() || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT");
        }
        String host = text.substring(0, colon);
        if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new IllegalArgumentException("'" + text + "': write IPv6 addresses as [ADDR]:PORT");
        }
        try {
            return new HostPort(host, port.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(port));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage());
        }
    }

    /** A socket address, by its numeric host address once resolved. */
    public static HostPort of(InetSocketAddress address) {
        return new HostPort(address.isUnresolved() ? address.getHostString() : address.getAddress().getHostAddress(),
                address.getPort());
    }

    /** The address to bind or connect to (resolving the name; unresolved when it cannot be resolved). */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
