package org.strata.storage.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.strata.testkit.QemuTools;

/**
 * A real nginx on free loopback ports, serving a temporary directory over http and https (a self-signed
 * certificate made with openssl), with an access log that records each request's connection.
 * {@code /norange/} is served without byte-range support.
 */
final class NginxServer implements AutoCloseable {

    private final Path prefix;
    private final Process process;
    private final int httpPort;
    private final int httpsPort;

    private NginxServer(Path prefix, Process process, int httpPort, int httpsPort) {
        this.prefix = prefix;
        this.process = process;
        this.httpPort = httpPort;
        this.httpsPort = httpsPort;
    }

    static NginxServer start() throws IOException, InterruptedException {
        QemuTools.requireTool("nginx");
        // nginx's workers run as an unprivileged user: everything they serve must be world-readable.
        Path prefix = Files.createTempDirectory("strata-nginx",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createDirectories(prefix.resolve("www/norange"));
        Files.createDirectories(prefix.resolve("tmp"));
        QemuTools.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", prefix.resolve("key.pem").toString(), "-out", prefix.resolve("cert.pem").toString()).ok();
        int httpPort = freePort();
        int httpsPort = freePort();
        String p = prefix.toString();
        Files.writeString(prefix.resolve("nginx.conf"), String.join("\n",
                "daemon off;",
                "worker_processes 1;",
                "pid " + p + "/nginx.pid;",
                "error_log " + p + "/error.log;",
                "events { worker_connections 64; }",
                "http {",
                "  log_format conn '$connection $request_method $status';",
                "  access_log " + p + "/access.log conn;",
                "  client_body_temp_path " + p + "/tmp; proxy_temp_path " + p + "/tmp;",
                "  fastcgi_temp_path " + p + "/tmp; uwsgi_temp_path " + p + "/tmp; scgi_temp_path " + p + "/tmp;",
                "  server {",
                "    listen 127.0.0.1:" + httpPort + ";",
                "    listen 127.0.0.1:" + httpsPort + " ssl;",
                "    ssl_certificate " + p + "/cert.pem;",
                "    ssl_certificate_key " + p + "/key.pem;",
                "    root " + p + "/www;",
                "    location /norange/ { max_ranges 0; }",
                "  }",
                "}", ""));
        Process process = new ProcessBuilder("nginx", "-p", p, "-c", p + "/nginx.conf", "-e", p + "/error.log")
                .redirectErrorStream(true).redirectOutput(prefix.resolve("nginx.out").toFile()).start();
        NginxServer server = new NginxServer(prefix, process, httpPort, httpsPort);
        server.awaitListening();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("nginx exited " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", httpPort), 200);
                try (Socket t = new Socket()) {
                    t.connect(new InetSocketAddress("127.0.0.1", httpsPort), 200);
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        close();
        throw new AssertionError("nginx is not listening: " + log());
    }

    private String log() throws IOException {
        Path err = prefix.resolve("error.log");
        Path out = prefix.resolve("nginx.out");
        return (Files.exists(err) ? Files.readString(err) : "") + (Files.exists(out) ? Files.readString(out) : "");
    }

    /** Puts a world-readable file into the served directory. */
    Path publish(String name, byte[] content) throws IOException {
        Path f = prefix.resolve("www").resolve(name);
        Files.write(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return f;
    }

    String url(String name) {
        return "http://127.0.0.1:" + httpPort + "/" + name;
    }

    String httpsUrl(String name) {
        return "https://127.0.0.1:" + httpsPort + "/" + name;
    }

    /** A TLS context that trusts this server's self-signed certificate. */
    SSLContext trustingContext() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        byte[] pem = Files.readAllBytes(prefix.resolve("cert.pem"));
        trust.setCertificateEntry("nginx",
                CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The access log so far: one "connection method status" line per request. */
    List<String> accessLog() throws IOException {
        Path log = prefix.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** Empties the access log (nginx keeps appending to the same file). */
    void clearAccessLog() throws IOException {
        Path log = prefix.resolve("access.log");
        if (Files.exists(log)) {
            try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(prefix)) {
            for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(f);
            }
        }
    }
}
