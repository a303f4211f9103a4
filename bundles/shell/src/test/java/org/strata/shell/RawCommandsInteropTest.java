package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.strata.testkit.QemuTools.qemuImg;
import static org.strata.testkit.QemuTools.qemuIo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/** The image commands on raw files, checked against the real qemu-img and qemu-io. */
class RawCommandsInteropTest {

    @TempDir
    Path dir;
    Shell shell;

    @BeforeEach
    void setUp() {
        shell = new Shell(dir);
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void createThenWriteWithStrataReadsBackWithQemuIo() {
        Shell.Result r = shell.run("image:create", "-f", "raw", "x.img", "64M").ok();
        assertEquals("Formatting 'x.img', fmt=raw size=67108864\n", r.out());
        shell.run("image:io", "-c", "write -P 0xab 4096 64k", "x.img").ok();
        qemuIo("-f", "raw", "-c", "read -P 0xab 4096 64k", path("x.img"));
        qemuIo("-f", "raw", "-c", "read -P 0 0 4096", "-c", "read -P 0 69632 1M", path("x.img"));
    }

    @Test
    void readsWhatQemuIoWroteAndFailsOnOtherData() {
        qemuImg("create", "-f", "raw", path("q.img"), "8M");
        qemuIo("-f", "raw", "-c", "write -P 0x5c 1M 300k", path("q.img"));
        shell.run("image:io", "-f", "raw", "-c", "read -P 0x5c 1M 300k", "q.img").ok();
        Shell.Result bad = shell.run("image:io", "-f", "raw", "-c", "read -P 0x5c 0 4k", "q.img");
        assertEquals(1, bad.status());
        assertTrue(bad.out().contains("Pattern verification failed at offset 0"), bad.out());
    }

    @Test
    void infoJsonIsByteIdenticalToQemuImg() {
        qemuImg("create", "-f", "raw", path("i.img"), "10M");
        qemuIo("-f", "raw", "-c", "write -P 1 0 64k", path("i.img"));
        String ours = shell.run("image:info", "--output=json", "i.img").ok().out();
        String theirs = QemuTools.run("qemu-img", "info", "--output=json", path("i.img")).ok()
                .replace(path("i.img"), "i.img");
        assertEquals(theirs, ours);
        String human = shell.run("image:info", "i.img").ok().out();
        String qemuHuman = QemuTools.run("qemu-img", "info", path("i.img")).ok().replace(path("i.img"), "i.img");
        assertEquals(qemuHuman, human);
    }

    @Test
    void compareAgreesWithQemuImg() {
        qemuImg("create", "-f", "raw", path("a.img"), "4M");
        qemuImg("create", "-f", "raw", path("b.img"), "4M");
        qemuIo("-f", "raw", "-c", "write -P 7 100k 10k", path("a.img"));
        qemuIo("-f", "raw", "-c", "write -P 7 100k 10k", path("b.img"));
        assertEquals(0, shell.run("image:compare", "a.img", "b.img").status());
        assertEquals(0, QemuTools.run("qemu-img", "compare", path("a.img"), path("b.img")).exitCode());

        qemuIo("-f", "raw", "-c", "write -P 8 3M 512", path("b.img"));
        Shell.Result r = shell.run("image:compare", "a.img", "b.img");
        QemuTools.Result q = QemuTools.run("qemu-img", "compare", path("a.img"), path("b.img"));
        assertEquals(q.exitCode(), r.status());
        assertEquals(q.stdout(), r.out());

        Shell.Result missing = shell.run("image:compare", "a.img", "nope.img");
        assertEquals(2, missing.status());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }

    @Test
    void resizeGrowsAndShrinksOnlyWithShrink() {
        shell.run("image:create", "-f", "raw", "r.img", "1M").ok();
        assertEquals("Image resized.\n", shell.run("image:resize", "r.img", "+1M").ok().out());
        assertTrue(qemuImg("info", "--output=json", path("r.img")).contains("\"virtual-size\": 2097152"));
        assertEquals(1, shell.run("image:resize", "r.img", "-1M").status());
        shell.run("image:resize", "--shrink", "r.img", "-1M").ok();
        assertTrue(qemuImg("info", "--output=json", path("r.img")).contains("\"virtual-size\": 1048576"));
    }

    @Test
    void benchPrintsQemuImgsLines() {
        shell.run("image:create", "-f", "raw", "b.img", "4M").ok();
        String out = shell.run("image:bench", "-c", "2000", "-d", "4", "-w", "b.img").ok().out();
        String[] lines = out.split("\n");
        assertEquals("Sending 2000 write requests, 4096 bytes each, 4 in parallel (starting at offset 0, step size 4096)",
                lines[0]);
        assertTrue(lines[lines.length - 1].matches("Run completed in [0-9]+\\.[0-9]{3} seconds\\."), out);
    }

    /**
     * Options qemu-img does not take are refused as qemu-img refuses them; -U among them, which only the commands
     * that read take (commit used to accept it and commit).
     */
    @Test
    void optionsQemuImgRefusesAreRefusedWithItsMessage() {
        qemuImg("create", "-f", "raw", path("o.img"), "1M");
        Qemu q = new Qemu(dir);
        for (String[] args : List.of(new String[] {"commit", "-U", "o.img"}, new String[] {"amend", "-U", "-o",
                "size=2M", "o.img"}, new String[] {"resize", "-U", "o.img", "2M"}, new String[] {"create", "-U",
                "-f", "raw", "n.img", "1M"}, new String[] {"info", "-Z", "o.img"}, new String[] {"info", "o.img",
                "-f"}, new String[] {"info", "--output"}, new String[] {"info", "--backing-chain=x", "o.img"},
                new String[] {"map", "--zz", "o.img"})) {
            QemuTools.Result theirs = q.run(Qemu.prepend("qemu-img", args));
            String command = "image:" + args[0];
            Shell.Result ours = shell.run(command, Arrays.copyOfRange(args, 1, args.length));
            assertEquals(theirs.exitCode(), ours.status(), Arrays.toString(args));
            assertEquals(Qemu.asStrata(theirs.stderr(), command), ours.err(), Arrays.toString(args));
        }
        assertTrue(qemuImg("info", "--output=json", path("o.img")).contains("\"virtual-size\": 1048576"));
        assertFalse(Files.exists(dir.resolve("n.img")));
    }

    @Test
    void errorsAreOneLine() {
        Shell.Result r = shell.run("image:info", "missing.img");
        assertEquals(1, r.status());
        assertEquals("image:info: Could not open 'missing.img': No such file or directory\n", r.err());
        Shell.Result bad = shell.run("image:create", "-f", "raw", "--bogus", "x.img");
        assertEquals(1, bad.status());
        assertTrue(bad.err().startsWith("image:create: unrecognized option '--bogus'"), bad.err());
    }
}
