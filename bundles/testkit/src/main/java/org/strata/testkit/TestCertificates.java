package org.strata.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway X.509 set for TLS tests, made with openssl in the layout of QEMU's tls-creds-x509 directories:
 * {@code ca-cert.pem} (what clients trust), {@code server-cert.pem} (for 127.0.0.1 and localhost) and
 * {@code server-key.pem} (PKCS#8).
 */
public final class TestCertificates {

    private TestCertificates() {
    }

    /** Makes the CA and the server's certificate and key in {@code dir}; returns {@code dir}. */
    public static Path make(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca-cert.pem",
                "-days", "2", "-subj", "/CN=Strata test CA");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-out", "server-cert.pem", "-days", "2", "-extfile", "ext.cnf");
        return dir;
    }

    private static void openssl(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        QemuTools.runIn(dir, command).ok();
    }
}
