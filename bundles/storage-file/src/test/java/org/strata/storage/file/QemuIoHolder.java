package org.strata.storage.file;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.strata.testkit.QemuTools;

/** An interactive qemu-io that holds an image open (and locked) until closed. */
final class QemuIoHolder implements AutoCloseable {

    private final Process process;

    private QemuIoHolder(Process process) {
        this.process = process;
    }

    /** Starts {@code qemu-io ARGS} and waits for its prompt, i.e. until the image is open. */
    static QemuIoHolder start(String... args) throws IOException, InterruptedException {
        QemuTools.requireTool("qemu-io");
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-io");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder seen = new StringBuilder();
        InputStream out = p.getInputStream();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (seen.indexOf("qemu-io>") < 0) {
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("qemu-io gave no prompt: " + seen);
            }
            if (out.available() > 0) {
                int n = out.read();
                if (n < 0) {
                    break;
                }
                seen.append((char) n);
            } else if (!p.isAlive()) {
                seen.append(new String(out.readAllBytes(), StandardCharsets.UTF_8));
                throw new AssertionError("qemu-io exited " + p.exitValue() + ": " + seen);
            } else {
                Thread.sleep(10);
            }
        }
        return new QemuIoHolder(p);
    }

    @Override
    public void close() throws Exception {
        try (OutputStream in = process.getOutputStream()) {
            in.write("quit\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
