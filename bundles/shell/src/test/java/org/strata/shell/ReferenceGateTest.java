package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.agent.Mode;
import org.strata.testkit.QemuTools;

/**
 * Issue 4: every file an image names goes through one gate. Backing files and external data files resolve
 * relative to the image that names them, must lie under the allowed roots (by real path), open with the format
 * the image records and are never probed to another, and loops are refused; refusals name the file.
 */
class ReferenceGateTest {

    @TempDir
    Path dir;
    Path vm;
    Path other;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() throws Exception {
        vm = Files.createDirectories(dir.resolve("vm"));
        other = Files.createDirectories(dir.resolve("other"));
        q = new Qemu(vm);
        shell = new Shell(vm);
        q.img("create", "-q", "-f", "raw", other.resolve("base.raw").toString(), "4M");
        q.io("-f", "raw", "-c", "write -P 7 0 1M", other.resolve("base.raw").toString());
    }

    private static void assertRefused(Shell.Result r, String file) {
        assertRefused(r, file, 1);
    }

    private static void assertRefused(Shell.Result r, String file, int status) {
        assertEquals(status, r.status(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Refusing to open backing file '" + file + "'")
                || r.err().contains("Refusing to open data file '" + file + "'"), r.err());
        assertTrue(r.err().contains("outside the allowed roots") && r.err().contains("--allow-root"), r.err());
    }

    @Test
    void aBackingFileOutsideTheAllowedRootsIsRefusedByEveryCommandWithAMessageNamingIt() {
        String base = other.resolve("base.raw").toString();
        q.img("create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", "top.qcow2");
        q.io("-c", "write -P 8 1M 64k", "top.qcow2");
        assertRefused(shell.run("image:info", "--backing-chain", "top.qcow2"), base);
        assertRefused(shell.run("image:map", "top.qcow2"), base);
        assertRefused(shell.run("image:convert", "-O", "raw", "top.qcow2", "out.raw"), base);
        assertRefused(shell.run("image:compare", "top.qcow2", "top.qcow2"), base, 2);
        assertRefused(shell.run("image:commit", "top.qcow2"), base);
        assertRefused(shell.run("image:io", "-c", "read -P 7 0 4k", "top.qcow2"), base);
        // info without the chain reads only the image itself, as qemu-img info does
        shell.run("image:info", "top.qcow2").ok();

        // allowed by the caller's roots or by --allow-root, it opens and reads as qemu-img reads it
        assertEquals(q.img("info", "--backing-chain", "--output=json", "top.qcow2"),
                shell.run("image:info", "--backing-chain", "--output=json", "--allow-root", "../other",
                        "top.qcow2").ok().out());
        Shell allowed = new Shell(vm, Mode.RUN, List.of(other.toString()));
        assertEquals(q.img("map", "--output=json", "top.qcow2"),
                allowed.run("image:map", "--output=json", "top.qcow2").ok().out());
    }

    @Test
    void aSymbolicLinkCannotLeadOutside() throws Exception {
        Files.createSymbolicLink(vm.resolve("link.raw"), other.resolve("base.raw"));
        q.img("create", "-q", "-f", "qcow2", "-b", "link.raw", "-F", "raw", "top.qcow2");
        Shell.Result r = shell.run("image:info", "--backing-chain", "top.qcow2");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("Refusing to open backing file '" + vm.resolve("link.raw") + "'"), r.err());
    }

    @Test
    void nothingOfARefusedFileIsOpened() throws Exception {
        // a FIFO outside the roots: opening it would block until a writer comes, refusing it does not
        Path fifo = other.resolve("fifo");
        QemuTools.run("mkfifo", fifo.toString()).ok();
        q.img("create", "-q", "-f", "qcow2", "-u", "-b", fifo.toString(), "-F", "raw", "top.qcow2", "1M");
        Shell.Result r = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> shell.run("image:info", "--backing-chain", "top.qcow2"));
        assertRefused(r, fifo.toString());
    }

    @Test
    void backingFilesResolveRelativeToTheImageThatNamesThem() throws Exception {
        Files.createDirectories(vm.resolve("a/b"));
        q.img("create", "-q", "-f", "raw", "a/base.raw", "2M");
        q.io("-f", "raw", "-c", "write -P 3 0 64k", "a/base.raw");
        q.img("create", "-q", "-f", "qcow2", "-b", "../base.raw", "-F", "raw", "a/b/mid.qcow2");
        q.img("create", "-q", "-f", "qcow2", "-b", "a/b/mid.qcow2", "-F", "qcow2", "top.qcow2");
        // a decoy with the same name next to the top must not be taken
        q.img("create", "-q", "-f", "raw", "base.raw", "2M");
        assertEquals(q.img("info", "--backing-chain", "--output=json", "top.qcow2"),
                shell.run("image:info", "--backing-chain", "--output=json", "top.qcow2").ok().out());
        shell.run("image:io", "-c", "read -P 3 0 64k", "top.qcow2").ok();
    }

    @Test
    void loopsAreRefused() {
        q.img("create", "-q", "-f", "qcow2", "a.qcow2", "1M");
        q.img("create", "-q", "-f", "qcow2", "-u", "-b", "a.qcow2", "-F", "qcow2", "b.qcow2", "1M");
        q.img("rebase", "-u", "-b", "b.qcow2", "-F", "qcow2", "a.qcow2");
        for (String command : List.of("image:map", "image:compare", "image:io")) {
            List<String> args = switch (command) {
                case "image:compare" -> List.of("a.qcow2", "a.qcow2");
                case "image:io" -> List.of("-c", "read 0 4k", "a.qcow2");
                default -> List.of("a.qcow2");
            };
            Shell.Result r = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> shell.run(command, args.toArray(String[]::new)));
            assertTrue(r.status() != 0, command);
            assertTrue(r.err().contains("Backing file loop: 'a.qcow2' named by 'b.qcow2'"), r.err());
        }
        // qemu-img says the same of the chain
        assertTrue(QemuTools.runIn(vm, List.of("qemu-img", "info", "--backing-chain", "a.qcow2")).stderr()
                .contains("infinite loop"));
    }

    @Test
    void theRecordedFormatIsUsedAndNeverProbedToAnother() throws Exception {
        // recorded as raw, though it is a qcow2 image: read as raw, as qemu-img does
        q.img("create", "-q", "-f", "qcow2", "inner.qcow2", "1M");
        q.img("create", "-q", "-f", "qcow2", "-b", "inner.qcow2", "-F", "raw", "asraw.qcow2");
        assertEquals(q.img("info", "--backing-chain", "--output=json", "asraw.qcow2"),
                shell.run("image:info", "--backing-chain", "--output=json", "asraw.qcow2").ok().out());
        assertEquals(q.img("map", "--output=json", "asraw.qcow2"),
                shell.run("image:map", "--output=json", "asraw.qcow2").ok().out());

        // no format recorded: qemu-img probes; Strata takes raw only and refuses what looks like another format
        q.img("create", "-q", "-f", "qcow2", "-b", "inner.qcow2", "-F", "qcow2", "nofmt.qcow2");
        dropBackingFormat(vm.resolve("nofmt.qcow2"));
        assertTrue(q.img("info", "nofmt.qcow2").contains("backing file: inner.qcow2\n"));
        Shell.Result r = shell.run("image:info", "--backing-chain", "nofmt.qcow2");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("'inner.qcow2'") && r.err().contains("never probed"), r.err());
        q.img("create", "-q", "-f", "raw", "plain.raw", "1M");
        q.img("create", "-q", "-f", "qcow2", "-b", "plain.raw", "-F", "raw", "rawnofmt.qcow2");
        dropBackingFormat(vm.resolve("rawnofmt.qcow2"));
        assertEquals(q.img("info", "--backing-chain", "--output=json", "rawnofmt.qcow2"),
                shell.run("image:info", "--backing-chain", "--output=json", "rawnofmt.qcow2").ok().out());
    }

    @Test
    void externalDataFilesGoThroughTheSameGate() throws Exception {
        q.img("create", "-q", "-f", "qcow2", "-o", "data_file=d.data", "inside.qcow2", "1M");
        q.io("-c", "write -P 4 0 64k", "inside.qcow2");
        assertEquals(q.img("info", "--output=json", "inside.qcow2"),
                shell.run("image:info", "--output=json", "inside.qcow2").ok().out());
        shell.run("image:io", "-c", "read -P 4 0 64k", "inside.qcow2").ok();

        String outside = other.resolve("d.data").toString();
        q.img("create", "-q", "-f", "qcow2", "-o", "data_file=" + outside, "outside.qcow2", "1M");
        assertRefused(shell.run("image:io", "-c", "read 0 4k", "outside.qcow2"), outside);
        Shell.Result create = shell.run("image:create", "-f", "qcow2", "-o", "data_file="
                + other.resolve("new.data"), "new.qcow2", "1M");
        assertEquals(1, create.status());
        assertTrue(create.err().contains("Refusing to open data file '" + other.resolve("new.data") + "'"),
                create.err());
        assertTrue(!Files.exists(other.resolve("new.data")));
    }

    /** Makes qemu's backing format header extension one it does not know, so the image records no format. */
    private static void dropBackingFormat(Path image) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            byte[] head = new byte[4096];
            f.readFully(head);
            for (int i = 72; i + 4 <= head.length; i++) {
                if ((head[i] & 0xff) == 0xe2 && (head[i + 1] & 0xff) == 0x79 && (head[i + 2] & 0xff) == 0x2a
                        && (head[i + 3] & 0xff) == 0xca) {
                    f.seek(i);
                    f.writeInt(0x12345678);
                    return;
                }
            }
        }
        throw new AssertionError("no backing format extension in " + image);
    }
}
