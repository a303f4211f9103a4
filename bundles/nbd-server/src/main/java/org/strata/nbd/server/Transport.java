package org.strata.nbd.server;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLContext;

/**
 * A byte stream to one client. One thread reads while others write (writes are serialized by the caller).
 */
interface Transport extends Closeable {

    /** Fills {@code dst} completely; throws {@link java.io.EOFException} when the client closed first. */
    void readFully(ByteBuffer dst) throws IOException;

    /** Writes every remaining byte of the buffers, in order. */
    void write(ByteBuffer... srcs) throws IOException;

    /** Upgrades the stream to TLS as the server side (after NBD_OPT_STARTTLS was acknowledged). */
    Transport startTls(SSLContext context) throws IOException;

    boolean isTls();

    /** Closes the stream; blocked reads and writes fail. Safe to call more than once, from any thread. */
    @Override
    void close();
}
