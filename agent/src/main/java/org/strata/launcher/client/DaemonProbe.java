package org.strata.launcher.client;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;

/** Whether a daemon already answers on a management socket (a stale socket file does not count). */
public final class DaemonProbe {

    private DaemonProbe() {
    }

    public static boolean answers(File socket) {
        if (!socket.exists()) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket.getPath()));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
