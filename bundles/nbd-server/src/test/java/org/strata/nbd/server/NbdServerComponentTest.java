package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The component's configuration handling, activated by hand as Declarative Services would. */
class NbdServerComponentTest {

    @TempDir
    Path dir;

    private static NbdServerComponent.Config config(String listen, String cert, String key) {
        return config(listen, cert, key, "");
    }

    private static NbdServerComponent.Config config(String listen, String cert, String key, String allowClients) {
        return new NbdServerComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NbdServerComponent.Config.class;
            }

            @Override
            public String listen() {
                return listen;
            }

            @Override
            public String tls_cert() {
                return cert;
            }

            @Override
            public String tls_key() {
                return key;
            }

            @Override
            public String allow_clients() {
                return allowClients;
            }
        };
    }

    @Test
    void theEnvironmentOverridesTheConfiguredListenAddresses() {
        assertEquals("127.0.0.1:10809", ServerSettings.effectiveListen("", Map.of()));
        assertEquals("0.0.0.0:1234", ServerSettings.effectiveListen("0.0.0.0:1234", Map.of()));
        assertEquals("unix:/tmp/x.sock,127.0.0.1:1", ServerSettings.effectiveListen("0.0.0.0:1234",
                Map.of("STRATA_NBD_LISTEN", "unix:/tmp/x.sock,127.0.0.1:1")));
        assertEquals("0.0.0.0:1234", ServerSettings.effectiveListen("0.0.0.0:1234",
                Map.of("STRATA_NBD_LISTEN", " ")));
    }

    @Test
    void tlsFilesComeInPairsAndResolveUnderEtc() {
        assertNull(ServerSettings.tlsPath("", "tls.key", "", null));
        assertThrows(IllegalArgumentException.class,
                () -> ServerSettings.tlsPath("cert.pem", "tls.key", "", null));
        assertEquals(Path.of("/abs/cert.pem"), ServerSettings.tlsPath("/abs/cert.pem", "tls.key", "k", null));
        assertEquals(Path.of("/opt/strata/etc/tls/cert.pem"),
                ServerSettings.tlsPath("tls/cert.pem", "tls.key", "k", "/opt/strata"));
    }

    @Test
    void activationListensAndReconfigurationRebinds() {
        NbdServerComponent c = new NbdServerComponent();
        Path socket = dir.resolve("c.sock");
        c.start(config("127.0.0.1:0,unix:" + socket, "", ""));
        try {
            List<String> addresses = c.listenAddresses();
            assertEquals(2, addresses.size(), addresses.toString());
            assertTrue(addresses.get(0).startsWith("127.0.0.1:"), addresses.toString());
            assertEquals("unix:" + socket, addresses.get(1));
            c.modified(config("unix:" + socket, "", ""), Map.of());
            assertEquals(List.of("unix:" + socket), c.listenAddresses());
            c.modified(config("unix:" + socket, "", "", "192.0.2.0/24"), Map.of());
            assertEquals(List.of("unix:" + socket), c.listenAddresses());
        } finally {
            c.deactivate();
        }
        assertEquals(List.of(), c.listenAddresses());
    }

    /** Each bad configuration changes nothing: the listener in force keeps serving, under its own settings. */
    @Test
    void aBadReconfigurationKeepsTheListenersInForce() throws Exception {
        NbdServerComponent c = new NbdServerComponent();
        Path socket = dir.resolve("c.sock");
        c.start(config("unix:" + socket, "", ""));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String inUse = "127.0.0.1:" + taken.getLocalPort();
            for (NbdServerComponent.Config bad : List.of(
                    config("nonsense:99999", "", ""),
                    config("no-such-host.invalid:10809", "", ""),
                    config("unix:" + dir.resolve("new.sock") + "," + inUse, "", ""),
                    config("127.0.0.1:0", "missing-cert.pem", "missing-key.pem"),
                    config("127.0.0.1:0", "cert.pem", ""),
                    config("127.0.0.1:0", "", "", "192.0.2.0/24,example.com"))) {
                c.modified(bad, Map.of());
                assertEquals(List.of("unix:" + socket), c.listenAddresses(), bad.listen());
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    ByteBuffer greeting = ByteBuffer.allocate(8);
                    client.read(greeting);
                    assertEquals("NBDMAGIC", new String(greeting.array(), StandardCharsets.US_ASCII),
                            "still serving in the clear after " + bad.listen());
                }
            }
            assertTrue(Files.notExists(dir.resolve("new.sock")), "the new listener was closed again");
        } finally {
            c.deactivate();
        }
    }

    @Test
    void aBadConfigurationAtStartListensNowhere() {
        NbdServerComponent c = new NbdServerComponent();
        c.start(config("127.0.0.1:0", "", "", "not-an-address"));
        try {
            assertEquals(List.of(), c.listenAddresses());
            c.modified(config("unix:" + dir.resolve("c.sock"), "", ""), Map.of());
            assertEquals(List.of("unix:" + dir.resolve("c.sock")), c.listenAddresses(), "a good file applies");
        } finally {
            c.deactivate();
        }
    }
}
