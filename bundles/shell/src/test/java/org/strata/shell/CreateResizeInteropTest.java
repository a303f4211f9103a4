package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5: image:create prints what qemu-img create prints and makes the image qemu-img makes (as qemu-img info
 * sees it, and clean), for every qcow2 creation option and raw's; image:resize grows and shrinks as qemu-img resize
 * does and refuses what it refuses (a qcow2 size that is not a multiple of 512 among them).
 */
class CreateResizeInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        q.img("create", "-q", "-f", "raw", "base.raw", "3M");
    }

    @Test
    void createGivesQemuImgsImage() {
        List<List<String>> cases = List.of(List.of("-f", "qcow2"), List.of("-f", "qcow2", "-o", "compat=0.10"),
                List.of("-f", "qcow2", "-o", "cluster_size=512,refcount_bits=1"),
                List.of("-f", "qcow2", "-o", "cluster_size=2M,refcount_bits=64"),
                List.of("-f", "qcow2", "-o", "lazy_refcounts=on,refcount_bits=8"),
                List.of("-f", "qcow2", "-o", "extended_l2=on,compression_type=zstd"),
                List.of("-f", "qcow2", "-o", "preallocation=metadata"),
                List.of("-f", "qcow2", "-o", "preallocation=falloc,cluster_size=4k"),
                List.of("-f", "qcow2", "-o", "preallocation=full"),
                List.of("-f", "qcow2", "-o", "data_file=IMG.data"),
                List.of("-f", "qcow2", "-o", "data_file=IMG.data,data_file_raw=on,preallocation=full"),
                List.of("-f", "qcow2", "-b", "base.raw", "-F", "raw"),
                List.of("-f", "qcow2", "-o", "backing_file=base.raw,backing_fmt=raw,cluster_size=4k"),
                List.of("-f", "qcow2", "-u", "-b", "missing.qcow2", "-F", "qcow2", "SIZE"),
                List.of("-f", "raw"), List.of("-f", "raw", "-o", "preallocation=falloc"),
                List.of("-f", "raw", "-o", "preallocation=full"));
        int i = 0;
        for (List<String> c : cases) {
            String size = c.contains("-b") || c.contains("-o") && String.join(",", c).contains("backing_file")
                    ? null : "2M";
            String[] theirs = args(c, "t" + i, size);
            String[] ours = args(c, "o" + i, size);
            String expected = q.img(Qemu.prepend("create", theirs)).replace("t" + i, "o" + i);
            assertEquals(expected, shell.run("image:create", ours).ok().out(), c.toString());
            String image = imageName(c, "o" + i);
            String theirImage = imageName(c, "t" + i);
            assertEquals(Qemu.withoutActualSize(q.img("info", "-U", "--output=json", theirImage))
                            .replace("t" + i, "o" + i),
                    Qemu.withoutActualSize(q.img("info", "-U", "--output=json", image)), c.toString());
            if (!c.contains("raw") || c.contains("qcow2")) {
                if (!c.contains("-u")) {
                    q.assertClean(image);
                }
            }
            i++;
        }
    }

    private static String imageName(List<String> c, String name) {
        return name + (c.contains("raw") && !c.contains("qcow2") ? ".raw" : ".qcow2");
    }

    /** The arguments with IMG replaced by the image's base name and the name and size appended. */
    private static String[] args(List<String> c, String name, String size) {
        String image = imageName(c, name);
        List<String> out = new java.util.ArrayList<>();
        for (String a : c) {
            if (!a.equals("SIZE")) {
                out.add(a.replace("IMG", name));
            }
        }
        out.add(image);
        if (size != null) {
            out.add(size);
        } else if (c.contains("SIZE")) {
            out.add("5M");
        }
        return out.toArray(String[]::new);
    }

    /**
     * What qemu-img create refuses, image:create refuses with the same status and message, and leaves no file
     * behind: the checks run before anything is created, and what fails later removes what it created. (qemu-img
     * prints its "Formatting" line before the format driver's own checks and leaves a 0-byte raw file where raw's
     * size or preallocation fail; Strata prints nothing and leaves nothing.)
     */
    @Test
    void createErrorsAreQemuImgsAndLeaveNoFile() throws Exception {
        q.img("create", "-q", "-f", "qcow2", "base.qcow2", "3M");
        for (List<String> args : List.of(List.of("-f", "qcow2", "x.qcow2"),
                List.of("-f", "qcow2", "-b", "base.raw", "x.qcow2"), List.of("-f", "foo", "x.foo", "1M"),
                List.of("-f", "qcow2", "-u", "-b", "base.raw", "-F", "raw", "x.qcow2"),
                List.of("-f", "qcow2", "-o", "compat=0.10,lazy_refcounts=on", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "foo=bar", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "size=1M,foo=bar", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "cluster_size=1000", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "cluster_size=-1", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "refcount_bits=3", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "refcount_bits=abc", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "compat=0.10,refcount_bits=8", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "compat=0.10,extended_l2=on", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "compat=0.10,data_file=x.data", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "compat=0.10,compression_type=zstd", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "extended_l2=on,cluster_size=4k", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "preallocation=bogus", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "lazy_refcounts=maybe", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "lazy_refcounts=maybe,foo=bar", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "data_file_raw=on", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "compat=2", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "size=1M", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "size=1x", "x.qcow2"),
                List.of("-f", "qcow2", "-F", "qcow2", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-b", "", "-F", "raw", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-o", "backing_file=", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-b", "x.qcow2", "-F", "qcow2", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-u", "-b", "x.qcow2", "-F", "qcow2", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "-u", "-b", "missing.qcow2", "x.qcow2", "1M"),
                List.of("-f", "qcow2", "x.qcow2", "1000P"),
                List.of("-f", "qcow2", "x.qcow2", "1.5"), List.of("-f", "qcow2", "x.qcow2", "--", "-1"),
                List.of("-f", "qcow2", "x.qcow2", "1Z"), List.of("-f", "qcow2", "x.qcow2", "8E"),
                List.of("-f", "raw", "-o", "foo=bar", "x.raw", "1M"),
                List.of("-f", "raw", "-o", "preallocation=metadata", "x.raw", "1M"),
                List.of("-f", "raw", "-o", "backing_file=base.raw", "x.raw", "1M"),
                List.of("-f", "raw", "-b", "base.raw", "x.raw", "1M"),
                List.of("-f", "raw", "-b", "base.raw", "-F", "raw", "x.raw", "1M"),
                List.of("-f", "raw", "-F", "raw", "x.raw", "1M"), List.of("-f", "raw", "x.raw", "1000P"),
                List.of("-f", "raw", "-o", "size=1M", "x.raw", "1M"))) {
            String[] a = args.toArray(String[]::new);
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend("create", a)));
            deleteNewFiles();
            Shell.Result ours = shell.run("image:create", a);
            assertEquals(1, theirs.exitCode(), args.toString());
            assertEquals(theirs.exitCode(), ours.status(), args.toString());
            Qemu.assertSameError(theirs.stderr(), ours.err(), "image:create");
            assertEquals("", ours.out(), args.toString());
            assertEquals(List.of(), deleteNewFiles(), args.toString());
        }
        // a missing backing file: qemu-img's first line (it adds "Could not open backing image.")
        Shell.Result missing = shell.run("image:create", "-f", "qcow2", "-b", "missing.qcow2", "-F", "qcow2",
                "x.qcow2", "1M");
        assertEquals(1, missing.status());
        assertEquals("image:create: x.qcow2: Could not open 'missing.qcow2': No such file or directory\n",
                missing.err());
        assertEquals(List.of(), deleteNewFiles());
    }

    /** The files in the directory besides base.raw and base.qcow2 (deleted, so each case starts clean). */
    private List<String> deleteNewFiles() throws IOException {
        List<String> found = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().startsWith("base.")) {
                    found.add(p.getFileName().toString());
                    Files.delete(p);
                }
            }
        }
        return found;
    }

    /** A refused creation leaves a file that was there as it was (qemu-img removes it where qcow2 refuses). */
    @Test
    void refusedCreationLeavesAnExistingFileAsItWas() throws Exception {
        q.img("create", "-q", "-f", "qcow2", "e.qcow2", "1M");
        q.io("-c", "write -P 1 0 64k", "e.qcow2");
        byte[] before = Files.readAllBytes(dir.resolve("e.qcow2"));
        for (List<String> args : List.of(List.of("-o", "foo=bar"), List.of("-o", "compat=0.10,lazy_refcounts=on"),
                List.of("-o", "cluster_size=1000"), List.of("-b", "missing.qcow2", "-F", "qcow2"),
                List.of("-b", "e.qcow2", "-F", "qcow2"), List.of("-o", "preallocation=bogus"))) {
            Shell.Result r = shell.run("image:create", Qemu.concat(args, "-f", "qcow2", "e.qcow2", "1M"));
            assertEquals(1, r.status(), args + r.err());
            assertArrayEquals(before, Files.readAllBytes(dir.resolve("e.qcow2")), args.toString());
        }
    }

    /** What fails after the creation began removes what it created: here the data file made before the image. */
    @Test
    void failedCreationRemovesTheFilesItMade() throws Exception {
        Files.createDirectory(dir.resolve("d"));
        Shell.Result r = shell.run("image:create", "-f", "qcow2", "-o", "data_file=x.data", "d", "1M");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("image:create: d: "), r.err());
        assertFalse(Files.exists(dir.resolve("x.data")));
        assertTrue(Files.isDirectory(dir.resolve("d")));
    }

    @Test
    void resizeDoesWhatQemuImgResizeDoes() {
        for (String format : List.of("qcow2", "raw")) {
            for (String name : List.of("theirs", "ours")) {
                q.img("create", "-q", "-f", format, name + "." + format, "1M");
                q.io("-f", format, "-c", "write -P 3 0 1M", name + "." + format);
            }
            String theirs = "theirs." + format;
            String ours = "ours." + format;
            for (List<String> args : List.of(List.of("+1M"), List.of("1000000"), List.of("+100"), List.of("0"),
                    List.of("--shrink", "1536k"), List.of("--", "-512"), List.of("--shrink", "--", "-512"),
                    List.of("--preallocation=falloc", "+1M"), List.of("--preallocation=bogus", "+1M"),
                    List.of("--preallocation=metadata", "+64k"), List.of("--shrink", "--preallocation=full", "1M"),
                    List.of("--preallocation=full", "3M"), List.of("2000001"), List.of("--shrink", "1000448"))) {
                String[] a = Qemu.concat(List.of("-f", format, theirs), args.toArray(String[]::new));
                var expected = q.run(Qemu.prepend("qemu-img", Qemu.prepend("resize", a)));
                Shell.Result actual = shell.run("image:resize", Qemu.concat(List.of("-f", format, ours),
                        args.toArray(String[]::new)));
                String what = format + " " + args;
                assertEquals(expected.exitCode(), actual.status(), what + actual.err());
                assertEquals(expected.stdout(), actual.out(), what);
                assertEquals(Qemu.asStrata(expected.stderr(), "image:resize"), actual.err(), what);
                q.assertSameContent(ours, theirs);
                assertEquals(q.img("info", "--output=json", theirs).replaceAll("\"actual-size\": [0-9]+", "")
                        .replace("theirs", "ours"), q.img("info", "--output=json", ours)
                        .replaceAll("\"actual-size\": [0-9]+", ""), what);
                if (format.equals("qcow2")) {
                    q.assertClean(ours);
                }
            }
        }
    }
}
