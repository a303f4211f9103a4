package org.strata.nbd.server;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers for request and reply payloads, in power-of-two size classes from 4 KiB to 32 MiB. Reusing
 * them spares the allocation, zeroing and garbage collection of a direct buffer per request; each class keeps
 * at most a few MiB (at least one buffer) so an idle server holds little.
 */
final class BufferPool {

    private static final int MIN_SHIFT = 12;
    private static final int MAX_SHIFT = 25;
    private static final long KEEP_PER_CLASS = 8L << 20;

    private final SizeClass[] classes = new SizeClass[MAX_SHIFT - MIN_SHIFT + 1];

    BufferPool() {
        for (int i = 0; i < classes.length; i++) {
            int size = 1 << (MIN_SHIFT + i);
            classes[i] = new SizeClass(size, (int) Math.max(1, KEEP_PER_CLASS / size));
        }
    }

    /** A direct buffer with position 0 and limit {@code size} (at most 32 MiB). */
    ByteBuffer acquire(int size) {
        int shift = Math.max(MIN_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, size) - 1));
        if (shift > MAX_SHIFT) {
            throw new IllegalArgumentException("buffer of " + size + " bytes is larger than the pool serves");
        }
        SizeClass c = classes[shift - MIN_SHIFT];
        ByteBuffer b = c.free.pollFirst();
        if (b == null) {
            b = ByteBuffer.allocateDirect(c.size);
        } else {
            c.kept.decrementAndGet();
        }
        return b.clear().limit(size);
    }

    /** Returns a buffer from {@link #acquire}; null is ignored. */
    void release(ByteBuffer b) {
        if (b == null || !b.isDirect() || Integer.bitCount(b.capacity()) != 1) {
            return;
        }
        int shift = Integer.numberOfTrailingZeros(b.capacity());
        if (shift < MIN_SHIFT || shift > MAX_SHIFT) {
            return;
        }
        SizeClass c = classes[shift - MIN_SHIFT];
        if (c.kept.incrementAndGet() <= c.max) {
            c.free.offerFirst(b);
        } else {
            c.kept.decrementAndGet();
        }
    }

    private static final class SizeClass {
        final int size;
        final int max;
        final ConcurrentLinkedDeque<ByteBuffer> free = new ConcurrentLinkedDeque<>();
        final AtomicInteger kept = new AtomicInteger();

        SizeClass(int size, int max) {
            this.size = size;
            this.max = max;
        }
    }
}
