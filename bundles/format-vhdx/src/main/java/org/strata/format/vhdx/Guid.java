package org.strata.format.vhdx;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A GUID as VHDX stores it: 16 bytes, the first three fields little-endian (Microsoft's layout), so
 * {@code 2DC27766-F623-4200-9D64-115E9BFD4A08} is stored {@code 66 77 C2 2D 23 F6 00 42 9D 64 ...}.
 */
final class Guid {

    static final Guid ZERO = new Guid(new byte[16]);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;

    private Guid(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The GUID written {@code XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. */
    static Guid of(String text) {
        byte[] big = HexFormat.of().parseHex(text.replace("-", ""));
        byte[] b = big.clone();
        reverse(b, 0, 4);
        reverse(b, 4, 2);
        reverse(b, 6, 2);
        return new Guid(b);
    }

    /** A random (version 4) GUID. */
    static Guid random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        b[7] = (byte) ((b[7] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        return new Guid(b);
    }

    /** Reads 16 bytes at {@code buf}'s absolute {@code index}. */
    static Guid read(ByteBuffer buf, int index) {
        byte[] b = new byte[16];
        buf.get(index, b);
        return new Guid(b);
    }

    void write(ByteBuffer buf, int index) {
        buf.put(index, bytes);
    }

    boolean isZero() {
        return equals(ZERO);
    }

    private static void reverse(byte[] b, int from, int length) {
        for (int i = 0; i < length / 2; i++) {
            byte t = b[from + i];
            b[from + i] = b[from + length - 1 - i];
            b[from + length - 1 - i] = t;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Guid g && Arrays.equals(bytes, g.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        byte[] b = bytes.clone();
        reverse(b, 0, 4);
        reverse(b, 4, 2);
        reverse(b, 6, 2);
        String h = HexFormat.of().withUpperCase().formatHex(b);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20);
    }
}
