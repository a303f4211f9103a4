package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * The warning qemu-img and qemu-io print when they open for writing an image whose format they probed and found raw
 * (Strata printed none): the same commands warn, with the same three lines first on stderr, and those that only
 * read, or name the format, do not.
 */
class ProbedRawWarningInteropTest {

    private static final String WARNING = "WARNING: Image format was not specified for 'w.img' and probing guessed"
            + " raw.\n         Automatically detecting the format is dangerous for raw images, write operations on"
            + " block 0 will be restricted.\n         Specify the 'raw' format explicitly to remove the restrictions.\n";

    @TempDir
    Path dir;

    /**
     * Runs QEMU's {@code tool} (qemu-img with the subcommand {@code command} names) and Strata's {@code command}
     * with {@code args} on a fresh raw w.img each.
     */
    private void assertSameWarning(String tool, String command, String... args) {
        Qemu q = new Qemu(dir);
        q.img("create", "-q", "-f", "raw", "w.img", "1M");
        List<String> qemu = tool.equals("qemu-img") ? List.of(tool, command.substring("image:".length()))
                : List.of(tool);
        QemuTools.Result theirs = q.run(Qemu.concat(qemu, args));
        q.img("create", "-q", "-f", "raw", "w.img", "1M");
        Shell.Result ours = new Shell(dir).run(command, args);
        String what = command + " " + List.of(args) + "\n" + ours.out() + ours.err();
        assertEquals(theirs.exitCode(), ours.status(), what);
        assertEquals(theirs.stderr().startsWith(WARNING), ours.err().startsWith(WARNING), what);
        assertEquals(theirs.stderr().indexOf("WARNING"), ours.err().indexOf("WARNING"), what);
        if (tool.equals("qemu-io")) {
            assertEquals(theirs.stdout().replaceAll("; .*", ""), ours.out().replaceAll("; .*", ""), what);
        }
    }

    @Test
    void commandsThatWriteAProbedRawImageWarn() {
        assertSameWarning("qemu-img", "image:resize", "w.img", "2M");
        assertSameWarning("qemu-img", "image:amend", "-o", "size=2M", "w.img");
        assertSameWarning("qemu-img", "image:snapshot", "-c", "s", "w.img");
        assertSameWarning("qemu-img", "image:rebase", "-u", "-b", "x", "w.img");
        assertSameWarning("qemu-img", "image:commit", "w.img");
        assertSameWarning("qemu-img", "image:check", "-r", "all", "w.img");
        assertSameWarning("qemu-img", "image:bench", "-w", "-c", "1", "w.img");
        // qemu-io opens the image for writing unless -r, whatever its commands
        assertSameWarning("qemu-io", "image:io", "-c", "read 0 1", "w.img");
        assertSameWarning("qemu-io", "image:io", "-c", "write 0 1", "w.img");
    }

    @Test
    void commandsThatOnlyReadOrNameTheFormatDoNot() {
        assertSameWarning("qemu-img", "image:resize", "-f", "raw", "w.img", "2M");
        assertSameWarning("qemu-img", "image:info", "w.img");
        assertSameWarning("qemu-img", "image:snapshot", "-l", "w.img");
        assertSameWarning("qemu-img", "image:check", "w.img");
        assertSameWarning("qemu-img", "image:bench", "-c", "1", "w.img");
        assertSameWarning("qemu-io", "image:io", "-r", "-c", "read 0 1", "w.img");
        assertSameWarning("qemu-io", "image:io", "-f", "raw", "-c", "write 0 1", "w.img");
    }

    /** qemu-io's commands writing a qcow2 magic and version into block 0 byte by byte, and more around them. */
    private static final String[] BLOCK_0_WRITES = {"-c", "write -P 0x51 0 1", "-c", "write -P 0x46 1 1", "-c",
            "write -P 0x49 2 1", "-c", "write -P 0xfb 3 1", "-c", "write -P 3 7 1", "-c", "read -P 0 7 1", "-c",
            "write -P 3 6 2", "-c", "write -P 3 512 1", "-c", "write -P 0x51 4 4"};

    /**
     * The restriction the warning announces: a write that would make block 0 of a probed raw image probe as another
     * format (here the last byte of a qcow2 header) fails as qemu-io's does, "write failed: Operation not
     * permitted", exit 1, and changes nothing; every other write goes through, also into block 0. Naming the format
     * lifts the restriction.
     */
    @Test
    void writesThatWouldMakeBlock0ProbeAsAnotherFormatAreRefused() {
        for (List<String> format : List.of(List.<String>of(), List.of("-f", "raw"))) {
            Qemu q = new Qemu(dir);
            String[] args = Qemu.concat(List.of(Qemu.concat(format, BLOCK_0_WRITES)), "w.img");
            q.img("create", "-q", "-f", "raw", "w.img", "1M");
            QemuTools.Result theirs = q.run(Qemu.prepend("qemu-io", args));
            q.ok("mv", "w.img", "theirs.img");
            q.img("create", "-q", "-f", "raw", "w.img", "1M");
            Shell.Result ours = new Shell(dir).run("image:io", args);
            String what = format + "\n" + ours.out() + ours.err();
            assertEquals(theirs.stdout().replaceAll("; .*", ""), ours.out().replaceAll("; .*", ""), what);
            assertEquals(theirs.stderr().replace("qemu-io", "image:io"), ours.err(), what);
            assertEquals(theirs.exitCode(), ours.status(), what);
            q.ok("cmp", "w.img", "theirs.img");
        }
    }

    /**
     * Formats QEMU probes that Strata serves no driver for count too: a raw image holding all of such a header but
     * its first byte may not get that byte (qemu-io and image:io alike refuse it, and leave the same file), while
     * a header QEMU 7.2 would not take (LUKS 2, parallels version 3) may be completed.
     */
    @Test
    void headersOfFormatsStrataDoesNotServeAreRestrictedToo() throws Exception {
        String cloop = "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n";
        ByteBuffer bochs = ByteBuffer.allocate(72).order(ByteOrder.LITTLE_ENDIAN)
                .put("Bochs Virtual HD Image".getBytes(StandardCharsets.ISO_8859_1)).position(32)
                .put("Redolog".getBytes(StandardCharsets.ISO_8859_1)).position(48)
                .put("Growing".getBytes(StandardCharsets.ISO_8859_1)).putInt(64, 0x20000);
        List<byte[]> headers = List.of(latin1("QED\0"), latin1("LUKS\u00ba\u00be\0\u0001"),
                latin1("LUKS\u00ba\u00be\0\u0002"), latin1("WithoutFreeSpace\u0002\0\0\0"),
                latin1("WithouFreSpacExt\u0002\0\0\0"), latin1("WithoutFreeSpace\u0003\0\0\0"), latin1(cloop),
                bochs.array());
        for (byte[] header : headers) {
            String[] args = {"-c", "write -P " + (header[0] & 0xff) + " 0 1", "w.img"};
            Qemu q = new Qemu(dir);
            writeAllButItsFirstByte(header);
            QemuTools.Result theirs = q.run(Qemu.prepend("qemu-io", args));
            q.ok("mv", "w.img", "theirs.img");
            writeAllButItsFirstByte(header);
            Shell.Result ours = new Shell(dir).run("image:io", args);
            String what = new String(header, StandardCharsets.ISO_8859_1) + "\n" + ours.out() + ours.err();
            assertEquals(theirs.stdout().replaceAll("; .*", ""), ours.out().replaceAll("; .*", ""), what);
            assertEquals(theirs.stderr().replace("qemu-io", "image:io"), ours.err(), what);
            assertEquals(theirs.exitCode(), ours.status(), what);
            q.ok("cmp", "w.img", "theirs.img");
        }
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A 1 MiB raw w.img holding {@code header} from its second byte on (its first byte 0, so it probes as raw). */
    private void writeAllButItsFirstByte(byte[] header) throws IOException {
        byte[] image = new byte[1 << 20];
        System.arraycopy(header, 1, image, 1, header.length - 1);
        Files.write(dir.resolve("w.img"), image);
    }
}
