package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5: image:bench takes qemu-img bench's options and prints its lines. Write runs are deterministic in what
 * they leave behind, so the same run by qemu-img bench on a copy must leave the same image: that proves the
 * offsets (-o, -S and the wrap at the image end), the request size (-s), the count (-c) and the pattern.
 */
class BenchInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    private static String timeless(String out) {
        return out.replaceAll("Run completed in [0-9]+\\.[0-9]{3} seconds\\.", "Run completed in X seconds.");
    }

    @Test
    void writeRunsLeaveWhatQemuImgBenchLeaves() throws Exception {
        for (String format : List.of("raw", "qcow2")) {
            for (List<String> options : List.of(
                    List.of("-c", "37", "-d", "4", "-s", "3k", "-S", "100k", "-o", "5000", "--pattern=0x5a"),
                    List.of("-c", "300", "-d", "1", "-S", "300k", "--pattern=171", "-t", "none"),
                    List.of("-c", "64", "-d", "16", "-s", "64k", "--flush-interval=16"),
                    List.of("-c", "40", "-d", "8", "-s", "512", "-S", "0", "-o", "1044480", "--pattern=7",
                            "--flush-interval=8", "--no-drain"))) {
                String ours = "ours." + format;
                String theirs = "theirs." + format;
                q.img("create", "-q", "-f", format, ours, "1M");
                q.img("create", "-q", "-f", format, theirs, "1M");
                String[] args = Qemu.concat(options, "-w", "-f", format);
                String expected = q.img(Qemu.prepend("bench", Qemu.concat(List.of(args), theirs)));
                String out = shell.run("image:bench", Qemu.concat(List.of(args), ours)).ok().out();
                assertEquals(timeless(expected), timeless(out), options.toString());
                assertTrue(out.matches("(?s).*\nRun completed in [0-9]+\\.[0-9]{3} seconds\\.\n"), out);
                q.assertSameContent(ours, theirs);
                if (format.equals("raw")) {
                    assertEquals(-1L, Files.mismatch(dir.resolve(ours), dir.resolve(theirs)));
                } else {
                    q.assertClean(ours);
                }
                Files.delete(dir.resolve(ours));
                Files.delete(dir.resolve(theirs));
            }
        }
    }

    @Test
    void readRunsPrintQemuImgsLines() {
        q.img("create", "-q", "-f", "qcow2", "r.qcow2", "4M");
        for (List<String> options : List.of(List.of("-c", "2000"), List.of("-c", "100", "-d", "1", "-q"),
                List.of("-c", "500", "-s", "8k", "-S", "1M", "-o", "12k", "-t", "none", "-i", "native", "-n"))) {
            String[] args = Qemu.concat(options, "r.qcow2");
            assertEquals(timeless(q.img(Qemu.prepend("bench", args))),
                    timeless(shell.run("image:bench", args).ok().out()), options.toString());
        }
    }

    @Test
    void errorsAreQemuImgs() {
        q.img("create", "-q", "-f", "raw", "b.raw", "1M");
        for (List<String> options : List.of(List.of("-c", "abc"), List.of("-c", "-1"), List.of("-d", "x"),
                List.of("-t", "bogus"), List.of("--pattern=-1"), List.of("--pattern=300", "-w"),
                List.of("--flush-interval=x", "-w"), List.of("--flush-interval=10", "-w"),
                List.of("--flush-interval=64"), List.of("-i", "bogus"), List.of("-c", "3", "-o", "2M"),
                List.of("-c", "5", "-s", "2M"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend("bench", Qemu.concat(options, "-f", "raw",
                    "b.raw"))));
            Shell.Result ours = shell.run("image:bench", Qemu.concat(options, "-f", "raw", "b.raw"));
            assertEquals(theirs.exitCode(), ours.status(), options.toString());
            assertEquals(Qemu.asStrata(theirs.stderr(), "image:bench").strip(), ours.err().strip(),
                    options.toString());
        }
        // qemu-img's two-line message for a bad size is one line here
        Shell.Result size = shell.run("image:bench", "-s", "abc", "b.raw");
        assertEquals("image:bench: Invalid buffer size specified. You may use k, M, G, T, P or E suffixes for"
                + " kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.\n", size.err());
        // qemu-img bench -d 0 never ends; here it is refused
        assertEquals("image:bench: Invalid queue depth specified\n", shell.run("image:bench", "-d", "0", "b.raw").err());
    }
}
