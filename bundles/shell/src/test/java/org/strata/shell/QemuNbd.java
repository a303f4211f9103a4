package org.strata.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.strata.testkit.QemuTools;

/** qemu-nbd serving one image on a Unix socket, for as long as the test needs it. */
final class QemuNbd implements AutoCloseable {

    private final Process process;
    private final Path socket;

    /** Serves {@code image} (in {@code format}) at {@code socket}; {@code writable} or read-only. */
    QemuNbd(Path image, String format, Path socket, boolean writable) throws IOException, InterruptedException {
        QemuTools.requireTool("qemu-nbd");
        this.socket = socket;
        List<String> cmd = new ArrayList<>(List.of("qemu-nbd", "-f", format, "-k", socket.toString(), "-t",
                "--cache=none"));
        if (!writable) {
            cmd.add("-r");
        }
        cmd.add(image.toString());
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        for (int i = 0; i < 500 && !Files.exists(socket); i++) {
            Thread.sleep(10);
        }
        if (!Files.exists(socket)) {
            process.destroyForcibly();
            throw new IOException("qemu-nbd did not start serving " + image);
        }
    }

    /** The export's URL. */
    String url() {
        return "nbd+unix:///?socket=" + socket;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
