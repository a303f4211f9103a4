package org.strata.nbd.server;

import java.io.Closeable;
import java.io.IOException;

import javax.net.ssl.SSLContext;

import org.strata.nbd.protocol.ByteStream;

/**
 * A byte stream to one client, in the clear or TLS. One thread reads while others write (writes are serialized
 * by the caller).
 */
interface Transport extends ByteStream, Closeable {

    /** Upgrades the stream to TLS as the server side (after NBD_OPT_STARTTLS was acknowledged). */
    Transport startTls(SSLContext context) throws IOException;

    boolean isTls();

    /** Closes the stream; blocked reads and writes fail. Safe to call more than once, from any thread. */
    @Override
    void close();
}
