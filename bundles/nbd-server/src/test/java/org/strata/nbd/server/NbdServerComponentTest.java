package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
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
        assertEquals("127.0.0.1:10809", NbdServerComponent.effectiveListen("", Map.of()));
        assertEquals("0.0.0.0:1234", NbdServerComponent.effectiveListen("0.0.0.0:1234", Map.of()));
        assertEquals("unix:/tmp/x.sock,127.0.0.1:1", NbdServerComponent.effectiveListen("0.0.0.0:1234",
                Map.of("STRATA_NBD_LISTEN", "unix:/tmp/x.sock,127.0.0.1:1")));
        assertEquals("0.0.0.0:1234", NbdServerComponent.effectiveListen("0.0.0.0:1234",
                Map.of("STRATA_NBD_LISTEN", " ")));
    }

    @Test
    void tlsFilesComeInPairsAndResolveUnderEtc() {
        assertNull(NbdServerComponent.tlsPath("", "tls.key", "", null));
        assertThrows(IllegalArgumentException.class,
                () -> NbdServerComponent.tlsPath("cert.pem", "tls.key", "", null));
        assertEquals(Path.of("/abs/cert.pem"), NbdServerComponent.tlsPath("/abs/cert.pem", "tls.key", "k", null));
        assertEquals(Path.of("/opt/strata/etc/tls/cert.pem"),
                NbdServerComponent.tlsPath("tls/cert.pem", "tls.key", "k", "/opt/strata"));
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
            c.modified(config("unix:" + socket, "", ""));
            assertEquals(List.of("unix:" + socket), c.listenAddresses());
            c.modified(config("127.0.0.1:0", "missing-cert.pem", ""));
            assertEquals(List.of(), c.listenAddresses(), "a broken TLS setup never serves in the clear");
            c.modified(config("unix:" + socket, "", "", "192.0.2.0/24"));
            assertEquals(List.of("unix:" + socket), c.listenAddresses());
            c.modified(config("unix:" + socket, "", "", "192.0.2.0/24,example.com"));
            assertEquals(List.of(), c.listenAddresses(), "a broken allow-list never lets everyone in");
        } finally {
            c.deactivate();
        }
        assertEquals(List.of(), c.listenAddresses());
    }
}
