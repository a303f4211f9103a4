package org.strata.shell;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.strata.testkit.QemuTools;

/** A real nginx on a free loopback port, serving the files of a directory over http (byte ranges included). */
final class Nginx implements AutoCloseable {

    private final Process process;
    private final int port;

    Nginx(Path www) throws IOException, InterruptedException {
        QemuTools.requireTool("nginx");
        // the workers run as an unprivileged user: what they serve must be world-readable
        Path prefix = Files.createTempDirectory("strata-nginx",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createDirectories(prefix.resolve("tmp"));
        QemuTools.run("chmod", "-R", "a+rX", www.toString()).ok();
        for (Path p = www; p != null; p = p.getParent()) {
            QemuTools.run("chmod", "a+x", p.toString());
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String p = prefix.toString();
        Files.writeString(prefix.resolve("nginx.conf"), String.join("\n",
                "daemon off;", "worker_processes 1;", "pid " + p + "/nginx.pid;", "error_log " + p + "/error.log;",
                "events { worker_connections 64; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + p + "/tmp; proxy_temp_path " + p + "/tmp;",
                "  fastcgi_temp_path " + p + "/tmp; uwsgi_temp_path " + p + "/tmp; scgi_temp_path " + p + "/tmp;",
                "  server { listen 127.0.0.1:" + port + "; root " + www + "; }",
                "}", ""));
        process = new ProcessBuilder("nginx", "-p", p, "-c", p + "/nginx.conf", "-e", p + "/error.log")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IOException("nginx did not start serving " + www);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The URL of a file in the served directory. */
    String url(String name) {
        return "http://127.0.0.1:" + port + "/" + name;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
