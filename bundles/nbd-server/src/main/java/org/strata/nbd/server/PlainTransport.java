package org.strata.nbd.server;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLContext;

import org.strata.nbd.protocol.SocketStream;

/** A client's socket channel (TCP or Unix) in the clear, until it starts TLS. */
final class PlainTransport extends SocketStream implements Transport {

    PlainTransport(SocketChannel channel) {
        super(channel, "the client");
    }

    @Override
    public Transport startTls(SSLContext context) throws IOException {
        // The client waits for our ACK before it starts TLS, so nothing of its handshake is buffered yet.
        TlsTransport tls = new TlsTransport(channel(), context.createSSLEngine(), takeReadAhead());
        tls.handshake();
        return tls;
    }

    @Override
    public boolean isTls() {
        return false;
    }
}
