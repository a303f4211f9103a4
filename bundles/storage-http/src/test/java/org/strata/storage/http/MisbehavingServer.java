package org.strata.storage.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A raw HTTP/1.1 server that misbehaves on purpose, to prove that the client neither hangs nor over-reads. */
final class MisbehavingServer implements AutoCloseable {

    enum Mode {
        /** Accepts connections and never answers. */
        SILENT,
        /** Answers HEAD properly, then sends half of each range body and stalls. */
        STALL_BODY,
        /** Answers HEAD properly, then sends more bytes than the range asked for. */
        OVERSIZED_BODY
    }

    static final long SIZE = 1 << 20;
    private static final Pattern RANGE = Pattern.compile("(?i)^range: bytes=(\\d+)-(\\d+)$");

    private final ServerSocket server;
    private final Mode mode;
    private final List<Socket> clients = new ArrayList<>();
    private final List<Thread> handlers = new ArrayList<>();
    private final Thread acceptor;

    MisbehavingServer(Mode mode) throws IOException {
        this.mode = mode;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "misbehaving-http");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/disk.raw";
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "misbehaving-http-conn");
                t.setDaemon(true);
                synchronized (clients) {
                    clients.add(s);
                    handlers.add(t);
                }
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            while (true) {
                String requestLine = in.readLine();
                if (requestLine == null) {
                    return;
                }
                long from = 0;
                long to = 0;
                for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                    Matcher m = RANGE.matcher(h);
                    if (m.matches()) {
                        from = Long.parseLong(m.group(1));
                        to = Long.parseLong(m.group(2));
                    }
                }
                if (mode == Mode.SILENT) {
                    Thread.sleep(Long.MAX_VALUE);
                }
                if (requestLine.startsWith("HEAD")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + SIZE + "\r\nAccept-Ranges: bytes\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    continue;
                }
                long length = to - from + 1;
                long sent = mode == Mode.STALL_BODY ? length / 2 : length + 100_000;
                out.write(("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + to + "/" + SIZE
                        + "\r\nContent-Length: " + (mode == Mode.STALL_BODY ? length : sent) + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[(int) sent]);
                out.flush();
                if (mode == Mode.STALL_BODY) {
                    Thread.sleep(Long.MAX_VALUE);
                }
            }
        } catch (IOException | InterruptedException done) {
            // the client went away, or the test ended
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (clients) {
            for (Socket s : clients) {
                s.close();
            }
            handlers.forEach(Thread::interrupt);
        }
        acceptor.interrupt();
    }
}
