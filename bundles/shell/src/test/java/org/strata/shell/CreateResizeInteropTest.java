package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
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

    @Test
    void createErrorsAreQemuImgs() {
        for (List<String> args : List.of(List.of("-f", "qcow2", "x.qcow2"), List.of("-f", "qcow2", "-b", "base.raw",
                "x.qcow2"), List.of("-f", "foo", "x.foo", "1M"), List.of("-f", "qcow2", "-u", "-b", "base.raw",
                "-F", "raw", "x.qcow2"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend("create", args.toArray(String[]::new))));
            Shell.Result ours = shell.run("image:create", args.toArray(String[]::new));
            assertEquals(theirs.exitCode(), ours.status(), args.toString());
            Qemu.assertSameError(theirs.stderr(), ours.err(), "image:create");
        }
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
