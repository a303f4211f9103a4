package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.nbd.protocol.Nbd;
import org.strata.testkit.QemuTools;
import org.strata.testkit.TestCertificates;

/** TLS (NBD_OPT_STARTTLS) with an X.509 certificate, against QEMU's and libnbd's clients. */
class TlsTest {

    private static final int SIZE = 1 << 20;

    @TempDir
    static Path pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCertificates() throws IOException {
        TestCertificates.make(pki);
    }

    private NbdTestServer tlsServer() throws IOException {
        NbdTestServer nbd = new NbdTestServer();
        nbd.server.setTls(pki.resolve("server-cert.pem"), pki.resolve("server-key.pem"));
        nbd.exportRaw("secret", TestImages.createRaw(dir.resolve("s.raw"), SIZE), true);
        return nbd;
    }

    @Test
    void qemuConnectsWithTlsAndPlainClientsAreTurnedAway() throws IOException {
        try (NbdTestServer nbd = tlsServer()) {
            String object = "tls-creds-x509,id=tls0,endpoint=client,dir=" + pki;
            String image = "driver=nbd,host=127.0.0.1,port=" + nbd.port + ",export=secret,tls-creds=tls0";
            String info = QemuTools.qemuImg("info", "--object", object, "--image-opts", image);
            assertTrue(info.contains("1 MiB"), info);
            QemuTools.qemuIo("--object", object, "--image-opts", "-c", "write -P 0x3c 0 64k",
                    "-c", "read -P 0x3c 0 64k", image);

            QemuTools.Result plain = QemuTools.run("qemu-img", "info", nbd.url("secret"));
            assertNotEquals(0, plain.exitCode());
            try (RawClient c = new RawClient(nbd.port)) {
                c.handshake();
                assertEquals(Nbd.REP_ERR_TLS_REQD, c.option(Nbd.OPT_GO, RawClient.goData("secret")).get(0).type());
                assertEquals(Nbd.REP_ERR_TLS_REQD, c.option(Nbd.OPT_LIST, new byte[0]).get(0).type());
            }
        }
    }

    @Test
    void libnbdConnectsWithTls() throws IOException {
        try (NbdTestServer nbd = tlsServer()) {
            String url = "nbds://127.0.0.1:" + nbd.port + "/secret?tls-certificates=" + pki;
            String out = QemuTools.run("nbdinfo", url).ok();
            assertTrue(out.contains("with TLS"), out);
            assertTrue(out.contains("export-size: " + SIZE), out);
        }
    }
}
