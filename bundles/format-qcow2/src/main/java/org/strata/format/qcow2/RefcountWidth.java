package org.strata.format.qcow2;

import java.nio.ByteBuffer;

/** Reading and writing refcount block entries of any width from 1 to 64 bits (bit 0 is the least significant). */
final class RefcountWidth {

    private RefcountWidth() {
    }

    static long get(Geometry g, byte[] block, int i) {
        int bits = g.refcountBits;
        switch (bits) {
            case 8:
                return block[i] & 0xffL;
            case 16:
                return ((block[2 * i] & 0xff) << 8) | (block[2 * i + 1] & 0xff);
            case 32:
                return ByteBuffer.wrap(block).getInt(4 * i) & 0xffffffffL;
            case 64:
                return ByteBuffer.wrap(block).getLong(8 * i);
            default:
                int bit = i * bits;
                return (block[bit >>> 3] >>> (bit & 7)) & ((1 << bits) - 1);
        }
    }

    static void set(Geometry g, byte[] block, int i, long v) {
        int bits = g.refcountBits;
        switch (bits) {
            case 8 -> block[i] = (byte) v;
            case 16 -> {
                block[2 * i] = (byte) (v >>> 8);
                block[2 * i + 1] = (byte) v;
            }
            case 32 -> ByteBuffer.wrap(block).putInt(4 * i, (int) v);
            case 64 -> ByteBuffer.wrap(block).putLong(8 * i, v);
            default -> {
                int bit = i * bits;
                int mask = ((1 << bits) - 1) << (bit & 7);
                block[bit >>> 3] = (byte) ((block[bit >>> 3] & ~mask) | ((int) (v << (bit & 7)) & mask));
            }
        }
    }
}
