package org.strata.api;

import java.nio.ByteBuffer;

/** Small helpers for the byte buffers all I/O goes through. */
public final class Buffers {

    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private Buffers() {
    }

    /** A read-only buffer of {@code length} (at most 1 MiB) zero bytes, shared, positioned at 0. */
    public static ByteBuffer zeroes(int length) {
        if (length > ZERO_CHUNK) {
            throw new IllegalArgumentException("at most " + ZERO_CHUNK + " zero bytes at once");
        }
        return ZEROES.duplicate().limit(length);
    }

    /** The most zero bytes {@link #zeroes(int)} gives at once. */
    public static int zeroChunk() {
        return ZERO_CHUNK;
    }

    /** Fills the remaining bytes with zeroes and advances the position to the limit. */
    public static void fillZero(ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(zeroes(Math.min(dst.remaining(), ZERO_CHUNK)));
        }
    }

    /** A direct buffer of {@code size} bytes whose address is a multiple of {@code align} (a power of two). */
    public static ByteBuffer allocateAligned(int size, int align) {
        if (align <= 1) {
            return ByteBuffer.allocateDirect(size);
        }
        return ByteBuffer.allocateDirect(size + align - 1).alignedSlice(align).limit(size);
    }

    /** Whether the buffer's remaining bytes start at an address aligned to {@code align}. */
    public static boolean isAligned(ByteBuffer buf, int align) {
        return align <= 1 || (buf.isDirect() && buf.alignmentOffset(buf.position(), align) == 0);
    }

    /** A heap copy of {@code buf}'s remaining bytes (its position is left alone). */
    public static ByteBuffer copyOf(ByteBuffer buf) {
        return ByteBuffer.allocate(buf.remaining()).put(buf.duplicate()).flip();
    }

    /** {@code length} bytes of {@code buf} from its position plus {@code skip}, as an independent buffer. */
    public static ByteBuffer window(ByteBuffer buf, int skip, int length) {
        return buf.slice(buf.position() + skip, length);
    }

    /** Whether every remaining byte is zero (the position does not move). */
    public static boolean isZero(ByteBuffer buf) {
        // mismatch against the shared zero buffer runs the JDK's vectorized comparison, many bytes per step
        int end = buf.limit();
        for (int i = buf.position(); i < end; i += ZERO_CHUNK) {
            int n = Math.min(ZERO_CHUNK, end - i);
            if (buf.slice(i, n).mismatch(zeroes(n)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the {@code length} bytes at absolute {@code index} are zero; moves no position and allocates
     * nothing (for scans of many small blocks, where slicing would cost more than the test).
     */
    public static boolean isZero(ByteBuffer buf, int index, int length) {
        int i = index;
        int end = index + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
