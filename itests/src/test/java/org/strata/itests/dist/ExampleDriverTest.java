package org.strata.itests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.testkit.QemuTools.qemuIo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.strata.itests.dist.StrataInstall.Daemon;
import org.strata.itests.dist.StrataInstall.Result;

/**
 * The example format driver (examples/format-example), as docs/writing-a-driver.md has an author use it: its jar,
 * built by its own pom, copied into a running daemon's deploy/, serves images of its format, and leaves again.
 */
class ExampleDriverTest {

    private static final Path JAR = Path.of(System.getProperty("example.driver"));
    private static final String BUNDLE = "org.strata.format.example";

    Daemon daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void theExampleDriverHotDeploysServesImagesAndLeaves() throws Exception {
        daemon = Daemon.start(StrataInstall.newHome());
        assertFalse(daemon.exec("driver:list").out().contains(BUNDLE));

        Path jar = DriverJars.dropCopy(daemon.home.resolve("deploy"), JAR);
        daemon.awaitExec(out -> out.contains(BUNDLE), "driver:list");
        assertEquals("Formatting 'disk.example', fmt=example size=4194304\n",
                daemon.exec("image:create", "-f", "example", "disk.example", "4M").out());
        daemon.exec("image:io", "-c", "write -P 0x5a 1M 64k", "disk.example");
        String info = daemon.exec("image:info", "disk.example").out(); // the format is probed
        assertTrue(info.contains("file format: example\nvirtual size: 4 MiB (4194304 bytes)\n"), info);

        // the layout the driver promises: the header, then the guest's bytes 512 bytes further on
        byte[] file = Files.readAllBytes(daemon.home.resolve("disk.example"));
        assertEquals(512 + (4 << 20), file.length);
        assertEquals("STRATAEX", new String(file, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(4 << 20, ByteBuffer.wrap(file, 8, 8).getLong());
        byte[] pattern = new byte[64 << 10];
        Arrays.fill(pattern, (byte) 0x5a);
        assertArrayEquals(pattern, Arrays.copyOfRange(file, 512 + (1 << 20), 512 + (1 << 20) + (64 << 10)));

        // a node and an NBD export of it, read by QEMU
        daemon.exec("node:add", "--name", "ex", "disk.example");
        daemon.exec("export:add", "ex");
        qemuIo("-r", "-f", "raw", "-c", "read -P 0x5a 1M 64k", "-c", "read -P 0 0 1M", daemon.nbd("ex"));
        daemon.exec("export:remove", "ex");
        daemon.exec("node:remove", "ex");

        Files.delete(jar);
        daemon.awaitExec(out -> !out.contains(BUNDLE), "driver:list");
        Result gone = StrataInstall.strata(daemon.home, daemon.home, "exec", "image:info", "-f", "example",
                "disk.example");
        assertEquals(1, gone.status(), gone.toString());
        assertEquals("image:info: Could not open 'disk.example': Unknown driver 'example'\n", gone.err());
    }
}
