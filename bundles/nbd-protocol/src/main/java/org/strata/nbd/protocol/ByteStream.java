package org.strata.nbd.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A connection's bytes in exact lengths: a read fills its buffer or fails, a write sends every byte. One thread
 * reads while others write (the caller serializes writes).
 */
public interface ByteStream {

    /** Fills {@code dst} completely; throws {@link java.io.EOFException} when the peer closed first. */
    void readFully(ByteBuffer dst) throws IOException;

    /** Writes every remaining byte of the buffers, in order. */
    void write(ByteBuffer... srcs) throws IOException;

    /** Reads exactly {@code n} bytes into a new buffer, ready to get from. The caller bounds {@code n}. */
    default ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        readFully(b);
        return b.flip();
    }

    /** Reads and drops {@code n} bytes (a payload nobody wants), keeping the stream in step. */
    default void skip(long n) throws IOException {
        if (n <= 0) {
            return;
        }
        ByteBuffer scratch = ByteBuffer.allocate((int) Math.min(n, 64 * 1024));
        for (long left = n; left > 0; left -= scratch.limit()) {
            scratch.clear().limit((int) Math.min(left, scratch.capacity()));
            readFully(scratch);
        }
    }
}
