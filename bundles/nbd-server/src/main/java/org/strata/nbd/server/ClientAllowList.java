package org.strata.nbd.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP clients the NBD server accepts: address blocks in CIDR notation ({@code 192.0.2.0/24},
 * {@code 2001:db8::/32}; a bare address is a block of one). Empty: every client.
 */
final class ClientAllowList {

    static final ClientAllowList EVERYONE = new ClientAllowList(List.of(), "");

    /** An address block: the first {@code bits} bits of {@code prefix}. */
    private record Block(byte[] prefix, int bits) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            int mask = (0xff00 >> rest) & 0xff;
            return rest == 0 || (address[whole] & mask) == (prefix[whole] & mask);
        }
    }

    private final List<Block> blocks;
    private final String spec;

    private ClientAllowList(List<Block> blocks, String spec) {
        this.blocks = blocks;
        this.spec = spec;
    }

    /** Parses a comma-separated list of blocks; blank is everyone. Only literal addresses, never host names. */
    static ClientAllowList parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return EVERYONE;
        }
        List<Block> blocks = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (!part.isBlank()) {
                blocks.add(block(part.trim()));
            }
        }
        return new ClientAllowList(List.copyOf(blocks), spec.trim());
    }

    private static Block block(String cidr) {
        int slash = cidr.indexOf('/');
        String address = slash < 0 ? cidr : cidr.substring(0, slash);
        byte[] prefix = literal(address, cidr);
        int bits = prefix.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(cidr.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > prefix.length * 8) {
                throw new IllegalArgumentException("allow.clients: '" + cidr + "' has a bad prefix length (0 to "
                        + prefix.length * 8 + ")");
            }
        }
        return new Block(prefix, bits);
    }

    /** A literal address only: InetAddress would ask DNS for anything that is not one. */
    private static byte[] literal(String address, String cidr) {
        IllegalArgumentException bad = new IllegalArgumentException("allow.clients: '" + cidr + "' is not an address "
                + "block such as 192.0.2.0/24 or 2001:db8::/32");
        if (address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            byte[] v4 = new byte[4];
            String[] octets = address.split("\\.");
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(octets[i]);
                if (octet > 255) {
                    throw bad;
                }
                v4[i] = (byte) octet;
            }
            return v4;
        }
        if (!address.contains(":") || !address.matches("[0-9A-Fa-f:.]+")) {
            throw bad;
        }
        try {
            return InetAddress.getByName(address).getAddress(); // with a ':' Java parses it as IPv6, never asks DNS
        } catch (UnknownHostException e) {
            throw bad;
        }
    }

    /** Whether a client from {@code address} may connect (Java reports an IPv4-mapped peer as its IPv4 address). */
    boolean allows(InetAddress address) {
        if (blocks.isEmpty()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        for (Block b : blocks) {
            if (b.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    boolean isEveryone() {
        return blocks.isEmpty();
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "every client" : spec;
    }
}
