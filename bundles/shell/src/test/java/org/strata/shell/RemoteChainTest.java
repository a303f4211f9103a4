package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.agent.Mode;
import org.strata.testkit.QemuTools;

/**
 * Images behind URLs name their backing files as local ones do: the directory of the named URL (up to its last
 * '/', same scheme, host and port) is an allowed root, {@code --allow-root} and allowed.roots take URL prefixes,
 * prefixes compare as parsed, normalized URLs, and a refusal names the roots in force. The same rule holds for NBD
 * exports (the server is the directory). qemu-img judges what is read.
 */
class RemoteChainTest {

    @TempDir
    Path dir;
    Path www;
    Path work;
    Qemu images;
    Qemu here;
    Shell shell;

    @BeforeEach
    void setUp() throws IOException {
        www = dir.resolve("www");
        work = Files.createDirectories(dir.resolve("work"));
        images = new Qemu(Files.createDirectories(www.resolve("images")));
        here = new Qemu(work);
        shell = new Shell(work);
        images.img("create", "-q", "-f", "qcow2", "base.qcow2", "4M");
        images.io("-c", "write -P 0x11 0 1M", "base.qcow2");
        images.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        images.io("-c", "write -P 0x22 1M 64k", "top.qcow2");
        for (String other : List.of("other", "imagesx")) {
            Qemu q = new Qemu(Files.createDirectories(www.resolve(other)));
            q.img("create", "-q", "-f", "qcow2", "base.qcow2", "4M");
            q.io("-c", "write -P 0x33 0 1M", "base.qcow2");
        }
    }

    /** An overlay in images/ whose backing file is {@code backing}, recorded as given. */
    private String overlay(String name, String backing, String format) {
        images.img("create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", format, name, "4M");
        return name;
    }

    /** Strata's conversion of {@code url} to raw has exactly qemu-img's bytes. */
    private void convertsAsQemuImg(Shell strata, String url, String... options) throws IOException {
        Path ours = work.resolve("ours.raw");
        Path theirs = work.resolve("theirs.raw");
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of("-O", "raw", url, ours.toString()));
        strata.run("image:convert", args.toArray(String[]::new)).ok();
        here.img("convert", "-O", "raw", url, theirs.toString());
        assertEquals(-1, Files.mismatch(ours, theirs), url);
        Files.delete(ours);
        Files.delete(theirs);
    }

    private static void assertRefused(Shell.Result r, String backing, String roots) {
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Refusing to open backing file '" + backing + "'"), r.err());
        assertTrue(r.err().contains("outside the allowed roots (" + roots + ")"), r.err());
        assertTrue(r.err().contains("--allow-root DIR|URL_PREFIX"), r.err());
    }

    @Test
    void aChainOnAWebServerReadsAsQemuImgReadsIt() throws Exception {
        try (Nginx http = new Nginx(www)) {
            String top = http.url("images/top.qcow2");
            convertsAsQemuImg(shell, top);
            shell.run("image:io", "-c", "read -P 0x11 0 1M", "-c", "read -P 0x22 1M 64k", top).ok();
            assertEquals(Qemu.withoutActualSize(here.img("info", "--backing-chain", "--output=json", top)),
                    Qemu.withoutActualSize(shell.run("image:info", "--backing-chain", "--output=json", top).ok()
                            .out()));
        }
    }

    @Test
    void backingUrlsOutsideTheDirectoryAreRefused() throws Exception {
        try (Nginx http = new Nginx(www); Nginx otherPort = new Nginx(www)) {
            String roots = http.url("images");
            String otherHost = http.url("images/base.qcow2").replace("127.0.0.1", "localhost");
            Map<String, String> refused = Map.of(
                    overlay("up.qcow2", "../other/base.qcow2", "qcow2"), http.url("other/base.qcow2"),
                    overlay("prefix.qcow2", "../imagesx/base.qcow2", "qcow2"), http.url("imagesx/base.qcow2"),
                    overlay("encoded.qcow2", "%2e%2e/other/base.qcow2", "qcow2"),
                    http.url("images/%2e%2e/other/base.qcow2"),
                    overlay("port.qcow2", otherPort.url("images/base.qcow2"), "qcow2"),
                    otherPort.url("images/base.qcow2"),
                    overlay("host.qcow2", otherHost, "qcow2"), otherHost,
                    overlay("scheme.qcow2", http.url("images/base.qcow2").replace("http:", "https:"), "qcow2"),
                    http.url("images/base.qcow2").replace("http:", "https:"),
                    overlay("local.qcow2", www.resolve("images/base.qcow2").toString(), "qcow2"),
                    www.resolve("images/base.qcow2").toString());
            for (Map.Entry<String, String> e : refused.entrySet()) {
                assertRefused(shell.run("image:convert", "-O", "raw", http.url("images/" + e.getKey()), "out.raw"),
                        e.getValue(), roots);
                assertFalse(Files.exists(work.resolve("out.raw")));
            }
            // a name that only looks like climbing out stays inside
            convertsAsQemuImg(shell, http.url("images/" + overlay("inside.qcow2", "sub/../base.qcow2", "qcow2")));
            convertsAsQemuImg(shell, http.url("images/" + overlay("same.qcow2", http.url("images/base.qcow2"),
                    "qcow2")));
        }
    }

    @Test
    void allowRootTakesUrlPrefixes() throws Exception {
        try (Nginx http = new Nginx(www)) {
            String up = http.url("images/" + overlay("up.qcow2", "../other/base.qcow2", "qcow2"));
            convertsAsQemuImg(shell, up, "--allow-root", http.url("other/"));
            convertsAsQemuImg(shell, up, "--allow-root", http.url(""));
            convertsAsQemuImg(new Shell(work, Mode.RUN, List.of(http.url("other")), List.of()), up);
            convertsAsQemuImg(new Shell(work, Mode.RUN, List.of(), List.of(http.url("other/"))), up);
            // a prefix is a directory, not a string: .../oth holds nothing of .../other
            assertRefused(shell.run("image:convert", "--allow-root", http.url("oth"), "-O", "raw", up, "out.raw"),
                    http.url("other/base.qcow2"), http.url("oth") + ", " + http.url("images"));
            shell.run("image:info", "--backing-chain", "--allow-root", http.url("other/"), up).ok();
        }
    }

    @Test
    void nbdExportsOfOneServerMayNameEachOther() throws Exception {
        Qemu nbd = new Qemu(Files.createDirectories(dir.resolve("nbd")));
        int port = freePort();
        String server = "nbd://127.0.0.1:" + port + "/";
        nbd.img("create", "-q", "-f", "qcow2", "base.qcow2", "4M");
        nbd.io("-c", "write -P 0x44 0 1M", "base.qcow2");
        nbd.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        nbd.io("-c", "write -P 0x55 2M 64k", "top.qcow2");
        nbd.img("rebase", "-u", "-b", server + "base", "-F", "qcow2", "top.qcow2");
        String otherPort = "nbd://127.0.0.1:" + freePort() + "/base";
        String otherScheme = "nbd+unix:///base?socket=" + dir.resolve("other.sock");
        nbd.img("create", "-q", "-f", "qcow2", "-u", "-b", otherPort, "-F", "qcow2", "port.qcow2", "4M");
        nbd.img("create", "-q", "-f", "qcow2", "-u", "-b", otherScheme, "-F", "qcow2", "scheme.qcow2", "4M");
        List<String> cmd = new ArrayList<>(List.of("qemu-storage-daemon", "--nbd-server",
                "addr.type=inet,addr.host=127.0.0.1,addr.port=" + port));
        for (String export : List.of("base", "top", "port", "scheme")) {
            cmd.addAll(List.of("--blockdev", "driver=file,node-name=" + export + ",read-only=on,filename="
                    + nbd.dir().resolve(export + ".qcow2")));
            cmd.addAll(List.of("--export", "type=nbd,id=" + export + ",node-name=" + export + ",name=" + export));
        }
        Process daemon = start(cmd, port);
        try {
            convertsAsQemuImg(shell, server + "top", "-f", "qcow2");
            // the server is the directory of its exports
            assertRefused(shell.run("image:convert", "-f", "qcow2", "-O", "raw", server + "port", "out.raw"),
                    otherPort, server);
            assertRefused(shell.run("image:convert", "-f", "qcow2", "-O", "raw", server + "scheme", "out.raw"),
                    otherScheme, server);
        } finally {
            QemuTools.stop(daemon);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts a server and waits until it accepts connections on {@code port}. */
    private static Process start(List<String> cmd, int port) throws Exception {
        QemuTools.requireTool(cmd.get(0));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return p;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", cmd) + " did not start listening");
                }
                Thread.sleep(50);
            }
        }
    }
}
