package org.strata.storage.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.testkit.QemuTools;

/** An NBD server process (qemu-nbd, nbdkit) for a test, ready once it accepts connections. */
final class ServerProcess implements AutoCloseable {

    final Process process;
    final String url;

    private ServerProcess(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code command} and waits until {@code socket} (or the TCP port) accepts connections. */
    static ServerProcess start(List<String> command, Path socket, int port, String url) throws IOException {
        QemuTools.requireTool(command.get(0));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(String.join(" ", command) + " exited with " + p.exitValue());
            }
            if (accepts(socket, port)) {
                return new ServerProcess(p, url);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not start listening");
    }

    private static boolean accepts(Path socket, int port) {
        try {
            if (socket != null) {
                try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    return true;
                }
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code qemu-nbd} serving {@code file} on a Unix socket. */
    static ServerProcess qemuNbdUnix(Path file, String format, Path socket, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "-f", format, "-t", "-k", socket.toString()));
        cmd.addAll(List.of(extra));
        cmd.add(file.toString());
        return start(cmd, socket, -1, "nbd+unix:///?socket=" + socket);
    }

    /** {@code qemu-nbd} serving {@code file} on a loopback TCP port. */
    static ServerProcess qemuNbdTcp(Path file, String format, String... extra) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "-f", format, "-t", "-b", "127.0.0.1", "-p",
                String.valueOf(port)));
        cmd.addAll(List.of(extra));
        cmd.add(file.toString());
        return start(cmd, null, port, "nbd://127.0.0.1:" + port + "/");
    }

    /** {@code nbdkit memory SIZE} on a Unix socket: a fresh, zeroed export in RAM. */
    static ServerProcess nbdkitMemory(Path socket, long size) throws IOException {
        return start(List.of("nbdkit", "-f", "--exit-with-parent", "-U", socket.toString(), "memory",
                "size=" + size), socket, -1, "nbd+unix:///?socket=" + socket);
    }

    @Override
    public void close() {
        QemuTools.stop(process);
    }
}
