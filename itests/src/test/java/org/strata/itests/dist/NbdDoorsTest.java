package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.testkit.QemuTools;
import org.strata.testkit.TestCertificates;

/**
 * The NBD door of a daemon of the install tree, set up in etc/org.strata.nbd.cfg: listening beyond loopback, TLS
 * with certificates from etc/, and an allow-list; real clients: qemu-img with tls-creds-x509 and nbdinfo nbds://.
 */
class NbdDoorsTest {

    /** This host's first IPv4 address that is not loopback: a client connecting to it comes from it. */
    private static String hostAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress() && nic.isUp()) {
                    return a.getHostAddress();
                }
            }
        }
        throw new AssertionError("this test needs an IPv4 address besides loopback");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void tlsFromEtcAndTheAllowListGuardTheExports() throws Exception {
        Path home = StrataInstall.newHome();
        Path pki = TestCertificates.make(home.resolve("etc/pki"));
        Files.writeString(home.resolve("etc/org.strata.nbd.cfg"), "tls.cert=pki/server-cert.pem\n"
                + "tls.key=pki/server-key.pem\nallow.clients=127.0.0.0/8\n");
        int port = freePort();
        String host = hostAddress();
        try (Daemon daemon = Daemon.start(home, "0.0.0.0:" + port)) {
            daemon.exec("node:add", "--name", "disk", "--read-only", newRaw(home).toString());
            daemon.exec("export:add", "disk");

            String object = "tls-creds-x509,id=tls0,endpoint=client,dir=" + pki;
            String info = QemuTools.qemuImg("info", "--object", object, "--image-opts",
                    "driver=nbd,host=127.0.0.1,port=" + port + ",export=disk,tls-creds=tls0");
            assertTrue(info.contains("1 MiB"), info);
            String nbdinfo = QemuTools.run("nbdinfo", "nbds://127.0.0.1:" + port + "/disk?tls-certificates=" + pki)
                    .ok();
            assertTrue(nbdinfo.contains("with TLS"), nbdinfo);

            QemuTools.Result plain = QemuTools.run("qemu-img", "info", "nbd://127.0.0.1:" + port + "/disk");
            assertNotEquals(0, plain.exitCode(), "a client without TLS is refused");
            assertNotEquals(0, QemuTools.run("nbdinfo", "nbds://" + host + ":" + port + "/disk?tls-certificates="
                    + pki).exitCode(), "a client outside allow.clients is closed at accept");
            assertTrue(daemon.log().contains("NBD server refuses " + host + ": not in allow.clients (127.0.0.0/8)"),
                    daemon.log());
            assertEquals(0, daemon.terminate());
        }
    }

    private static Path newRaw(Path home) {
        Path image = home.resolve("disk.raw");
        QemuTools.run("qemu-img", "create", "-f", "raw", image.toString(), "1M").ok();
        return image;
    }
}
