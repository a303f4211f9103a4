package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.agent.Mode;
import org.strata.testkit.QemuTools;

/**
 * Issue 5: image:convert's options against qemu-img convert's: -S sparse detection (zero runs in data become holes
 * or zero clusters, as qemu-img decides them), -n into an existing target, --target-is-zero, -B/-F, -m and -W,
 * -p, its errors; holes of the source are never read; and any storage backend to any (NBD exports served by
 * qemu-nbd as source and as target).
 */
class ConvertOptionsTest {

    @TempDir
    static Path template;

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    /**
     * A source with zero runs inside data of many lengths and alignments (shorter and longer than 4k, aligned and
     * not), a large zero run, zero clusters, unallocated space, and a backing file under part of it.
     */
    @BeforeAll
    static void buildSource() {
        Qemu t = new Qemu(template);
        t.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", "back.qcow2", "8M");
        t.io("-c", "write -P 0x66 6M 1M", "back.qcow2");
        t.img("create", "-q", "-f", "qcow2", "-b", "back.qcow2", "-F", "qcow2", "src.qcow2", "8M");
        t.io("-c", "write -P 0x11 0 1M", "-c", "write -P 0 4096 4096", "-c", "write -P 0 10240 3072",
                "-c", "write -P 0 20480 6144", "-c", "write -P 0 30208 8192", "-c", "write -P 0 512k 256k",
                "-c", "write -P 0 1040384 8192", "-c", "write -z 2M 1M", "-c", "write -P 0x22 4M 100k",
                "-c", "write -P 0 6M 64k", "src.qcow2");
        t.img("convert", "-O", "raw", "src.qcow2", "src.raw");
    }

    @BeforeEach
    void setUp() {
        Qemu.copyTree(template, dir);
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /** Converts with qemu-img to theirs.FMT and with Strata to ours.FMT; both must come out alike. */
    private void assertConvertsLikeQemu(String format, List<String> options, String source) {
        String theirs = "theirs." + format;
        String ours = "ours." + format;
        q.img(Qemu.prepend("convert", Qemu.concat(options, "-O", format, source, theirs)));
        shell.run("image:convert", Qemu.concat(options, "-O", format, source, ours)).ok();
        assertAlike(format, theirs, ours, options + " " + source);
    }

    private void assertAlike(String format, String theirs, String ours, String what) {
        q.assertSameContent(ours, theirs);
        String theirMap = q.img("map", "--output=json", "-f", format, theirs);
        String ourMap = q.img("map", "--output=json", "-f", format, ours);
        if (format.equals("raw")) {
            assertEquals(theirMap, ourMap, what); // a raw file's map is its holes and data, offsets are positions
        } else {
            q.assertClean(ours);
            assertEquals(Chains.mapWithoutOffsets(theirMap), Chains.mapWithoutOffsets(ourMap), what);
        }
    }

    @Test
    void sparseDetectionDecidesAsQemuImgDoes() {
        for (String sparse : List.of("0", "512", "4k", "12k", "64k", "1M")) {
            for (String format : List.of("raw", "qcow2")) {
                for (String source : List.of("src.qcow2", "src.raw")) {
                    assertConvertsLikeQemu(format, List.of("-S", sparse), source);
                }
            }
        }
        assertConvertsLikeQemu("qcow2", List.of("-o", "cluster_size=512"), "src.raw");
    }

    /** -C: the storages copy data runs (copy_file_range), zero runs inside data included, as qemu-img's do. */
    @Test
    void copyOffloadingCopiesDataAsQemuImgDoes() {
        for (String format : List.of("raw", "qcow2")) {
            for (String source : List.of("src.qcow2", "src.raw")) {
                assertConvertsLikeQemu(format, List.of("-C"), source);
            }
        }
    }

    @Test
    void intoAnExistingTargetZeroesWhatMustReadAsZeroes() throws Exception {
        for (String format : List.of("raw", "qcow2")) {
            for (String name : List.of("theirs." + format, "ours." + format)) {
                q.img("create", "-q", "-f", format, name, "9M");
                q.io("-f", format, "-c", "write -P 0xff 0 9M", name);
            }
            q.img("convert", "-n", "-O", format, "src.qcow2", "theirs." + format);
            shell.run("image:convert", "-n", "-O", format, "src.qcow2", "ours." + format).ok();
            assertAlike(format, "theirs." + format, "ours." + format, "-n " + format);
            // a target that reads as zeroes needs no zeroes written
            for (String name : List.of("theirs." + format, "ours." + format)) {
                Files.delete(dir.resolve(name));
                q.img("create", "-q", "-f", format, name, "8M");
            }
            q.img("convert", "-n", "--target-is-zero", "-O", format, "src.qcow2", "theirs." + format);
            shell.run("image:convert", "-n", "--target-is-zero", "-O", format, "src.qcow2", "ours." + format).ok();
            assertAlike(format, "theirs." + format, "ours." + format, "--target-is-zero " + format);
        }
    }

    @Test
    void withATargetBackingFileOnlyDifferencesAreWritten() {
        shell.run("image:convert", "-O", "qcow2", "-B", "back.qcow2", "-F", "qcow2", "src.qcow2", "ours.qcow2").ok();
        q.img("convert", "-O", "qcow2", "-B", "back.qcow2", "-F", "qcow2", "src.qcow2", "theirs.qcow2");
        q.assertClean("ours.qcow2");
        q.assertSameContent("ours.qcow2", "src.raw");
        assertEquals(q.chainStructure("theirs.qcow2").replace("theirs", "ours"), q.chainStructure("ours.qcow2"));
        // nothing is written where the source equals the backing file: the backing's 1M of 0x66 shows through
        String map = q.img("map", "--output=json", "ours.qcow2");
        assertTrue(map.contains("{ \"start\": 6356992, \"length\": 983040, \"depth\": 1,"), map);
        // compressed, onto a backing file that differs everywhere
        shell.run("image:convert", "-c", "-O", "qcow2", "-B", "src.raw", "-F", "raw", "back.qcow2", "c.qcow2").ok();
        q.assertClean("c.qcow2");
        q.assertSameContent("c.qcow2", "back.qcow2");
    }

    @Test
    void workersAndOutOfOrderWritesGiveTheSameImage() {
        for (List<String> options : List.of(List.of("-m", "1"), List.of("-m", "16", "-W"), List.of("-W"))) {
            assertConvertsLikeQemu("qcow2", options, "src.qcow2");
            assertConvertsLikeQemu("raw", options, "src.raw");
        }
    }

    /** Without -W the workers write in guest order, so a new qcow2's data clusters lie in guest order, as qemu-img's. */
    @Test
    void withoutOutOfOrderWritesTheTargetsClustersFollowGuestOrder() {
        q.img("create", "-q", "-f", "qcow2", "shuffled.qcow2", "8M");
        // 64 KiB of data in every other 64 KiB cluster, written in a shuffled order
        List<Integer> order = new ArrayList<>(IntStream.range(0, 64).boxed().toList());
        Collections.shuffle(order, new Random(5));
        List<String> shuffled = new ArrayList<>();
        for (int i : order) {
            shuffled.add("-c");
            shuffled.add("write -P " + (i + 1) + " " + (i * 2 * 65536) + " 64k");
        }
        shuffled.add("shuffled.qcow2");
        q.io(shuffled.toArray(String[]::new));
        shell.run("image:convert", "-O", "qcow2", "shuffled.qcow2", "ours.qcow2").ok();
        q.assertSameContent("ours.qcow2", "shuffled.qcow2");
        Matcher m = Pattern.compile("\"data\": true, \"offset\": (\\d+)")
                .matcher(q.img("map", "--output=json", "ours.qcow2"));
        long last = -1;
        int extents = 0;
        while (m.find()) {
            long offset = Long.parseLong(m.group(1));
            assertTrue(offset > last, "host offsets out of guest order: " + offset + " after " + last);
            last = offset;
            extents++;
        }
        assertEquals(64, extents);
    }

    @Test
    void errorsAreQemuImgs() throws Exception {
        q.img("create", "-q", "-f", "raw", "small.raw", "1M");
        for (List<String> args : List.of(List.of("-S", "1000", "-O", "raw", "src.qcow2", "x.raw"),
                List.of("-m", "17", "-O", "raw", "src.qcow2", "x.raw"),
                List.of("-c", "-O", "raw", "src.qcow2", "x.raw"),
                List.of("-C", "-c", "-O", "qcow2", "src.qcow2", "x.qcow2"),
                List.of("-C", "-S", "4k", "-O", "raw", "src.qcow2", "x.raw"),
                List.of("-n", "-O", "raw", "src.qcow2", "small.raw"),
                List.of("-n", "-o", "cluster_size=4k", "-O", "qcow2", "src.qcow2", "small.raw"),
                List.of("--target-is-zero", "-O", "raw", "src.qcow2", "x.raw"),
                List.of("-O", "qcow2", "-B", "back.qcow2", "src.qcow2", "x.qcow2"),
                List.of("-O", "qcow2", "-F", "qcow2", "src.qcow2", "x.qcow2"),
                List.of("-O", "foo", "src.qcow2", "x.foo"),
                List.of("-O", "qcow2", "-o", "foo=bar", "src.qcow2", "x.qcow2"),
                List.of("-O", "qcow2", "-o", "lazy_refcounts=maybe", "src.qcow2", "x.qcow2"),
                List.of("-O", "qcow2", "-o", "cluster_size=1000", "src.qcow2", "x.qcow2"),
                List.of("-O", "qcow2", "-o", "compat=0.10,lazy_refcounts=on", "src.qcow2", "x.qcow2"),
                List.of("-O", "raw", "-o", "backing_file=src.raw", "src.qcow2", "x.raw"),
                List.of("-O", "raw", "-B", "src.raw", "src.qcow2", "x.raw"),
                List.of("-O", "raw", "-F", "raw", "src.qcow2", "x.raw"),
                List.of("-O", "qcow2", "-F", "raw", "-c", "src.qcow2", "x.qcow2"),
                List.of("-O", "qcow2", "src.qcow2", "nowhere/x.qcow2"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend("convert", args.toArray(String[]::new))));
            Path target = dir.resolve(args.get(args.size() - 1));
            if (!args.contains("-n")) {
                Files.deleteIfExists(target); // qemu-img leaves some behind
            }
            Shell.Result ours = shell.run("image:convert", args.toArray(String[]::new));
            assertEquals(theirs.exitCode(), ours.status(), args.toString());
            Qemu.assertSameError(theirs.stderr(), ours.err(), "image:convert");
            assertEquals(args.contains("-n"), Files.exists(target), args.toString());
        }
        assertEquals(1048576, Files.size(dir.resolve("small.raw")));
        // -o size is the source's, whatever it says
        q.img("convert", "-O", "qcow2", "-o", "size=1M", "src.qcow2", "theirs.qcow2");
        shell.run("image:convert", "-O", "qcow2", "-o", "size=1M", "src.qcow2", "ours.qcow2").ok();
        assertAlike("qcow2", "theirs.qcow2", "ours.qcow2", "-o size=1M");
        // as qemu-img, the source is opened before the target's options are looked at (qemu-img's message names
        // the source twice)
        for (List<String> options : List.of(List.of("-o", "foo=bar"), List.of("-c", "-O", "raw"))) {
            Shell.Result ours = shell.run("image:convert", Qemu.concat(options, "missing.qcow2", "x.img"));
            assertEquals(1, ours.status());
            assertEquals("image:convert: Could not open 'missing.qcow2': No such file or directory\n", ours.err());
        }
    }

    /** -U shares the source, which convert only reads (it used to refuse, leaving a full-size empty target). */
    @Test
    void forceShareAppliesToTheSource() throws Exception {
        q.img("convert", "-U", "-O", "qcow2", "src.qcow2", "theirs.qcow2");
        shell.run("image:convert", "-U", "-O", "qcow2", "src.qcow2", "ours.qcow2").ok();
        assertAlike("qcow2", "theirs.qcow2", "ours.qcow2", "-U");
        // while qemu-nbd writes the source, only -U opens it
        try (QemuNbd writer = new QemuNbd(dir.resolve("src.qcow2"), "qcow2", dir.resolve("w.sock"), true)) {
            var theirs = q.run("qemu-img", "convert", "-O", "raw", "src.qcow2", "locked.raw");
            Shell.Result ours = shell.run("image:convert", "-O", "raw", "src.qcow2", "locked.raw");
            assertEquals(1, theirs.exitCode());
            assertEquals(theirs.exitCode(), ours.status());
            Qemu.assertSameError(theirs.stderr(), ours.err(), "image:convert");
            assertFalse(Files.exists(dir.resolve("locked.raw")));
            q.img("convert", "-U", "-O", "raw", "src.qcow2", "theirs.raw");
            shell.run("image:convert", "-U", "-O", "raw", "src.qcow2", "ours.raw").ok();
        }
        assertAlike("raw", "theirs.raw", "ours.raw", "-U while in use");
    }

    /**
     * A convert that fails while copying (a compressed cluster that does not decompress) removes the target it
     * created, inline and as a job; qemu-img leaves the partial target. A target given with -n stays.
     */
    @Test
    void aFailedConvertRemovesTheTargetItCreated() throws Exception {
        writeBadSource();
        assertEquals(1, q.run("qemu-img", "convert", "-O", "raw", "bad.qcow2", "theirs.raw").exitCode());
        assertTrue(Files.exists(dir.resolve("theirs.raw")));
        for (String format : List.of("raw", "qcow2")) {
            Shell.Result ours = shell.run("image:convert", "-O", format, "bad.qcow2", "ours." + format);
            assertEquals(1, ours.status(), ours.err());
            assertFalse(Files.exists(dir.resolve("ours." + format)), format);
        }
        Shell daemon = new Shell(dir, Mode.DAEMON, List.of());
        Shell.Result started = daemon.run("image:convert", "--job", "-O", "qcow2", "bad.qcow2", "job.qcow2").ok();
        String id = started.out().replaceAll("(?s)Job ([0-9]+) started.*", "$1");
        Shell.Result waited = daemon.run("job:wait", id);
        assertTrue(waited.out().contains(" failed "), waited.out() + waited.err());
        assertFalse(Files.exists(dir.resolve("job.qcow2")));
        q.img("create", "-q", "-f", "raw", "existing.raw", "8M");
        assertEquals(1, shell.run("image:convert", "-n", "-O", "raw", "bad.qcow2", "existing.raw").status());
        assertEquals(8L << 20, Files.size(dir.resolve("existing.raw")));
    }

    /**
     * A failed convert to a block device leaves the device, which existed before the command (of the source's size,
     * so creation succeeds and the copy fails).
     */
    @Test
    void aFailedConvertNeverRemovesABlockDevice() throws Exception {
        writeBadSource();
        q.img("create", "-q", "-f", "raw", "disk.raw", "8M");
        String device = QemuTools.run("losetup", "-f", "--show", dir.resolve("disk.raw").toString()).ok().strip();
        try {
            Shell.Result ours = shell.run("image:convert", "-O", "raw", "bad.qcow2", device);
            assertEquals(1, ours.status(), ours.err());
            assertTrue(Files.exists(Path.of(device)), device);
        } finally {
            QemuTools.run("losetup", "-d", device).ok();
        }
    }

    /** bad.qcow2: compressed clusters, the last of which no longer decompress, so reading it fails midway. */
    private void writeBadSource() throws Exception {
        q.img("convert", "-c", "-O", "qcow2", "src.raw", "bad.qcow2");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("bad.qcow2").toFile(), "rw")) {
            f.seek(f.length() - 4096);
            f.write(new byte[2048]);
        }
    }

    @Test
    void holesOfTheSourceAreNeverRead() throws Exception {
        // 64 GiB of holes in a raw file and a 1 TiB empty qcow2: read byte by byte, either would take minutes
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("huge.raw").toFile(), "rw")) {
            f.setLength(64L << 30);
            f.seek(40L << 30);
            f.write(new byte[] {1, 2, 3});
        }
        q.img("create", "-q", "-f", "qcow2", "huge.qcow2", "1T");
        q.io("-c", "write -P 9 900G 64k", "huge.qcow2");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            shell.run("image:convert", "-O", "qcow2", "huge.raw", "huge-out.qcow2").ok();
            shell.run("image:convert", "-f", "qcow2", "-O", "qcow2", "huge.qcow2", "huge-out2.qcow2").ok();
        });
        q.img("convert", "-O", "qcow2", "huge.raw", "huge-theirs.qcow2");
        assertEquals(Chains.mapWithoutOffsets(q.img("map", "--output=json", "huge-theirs.qcow2")),
                Chains.mapWithoutOffsets(q.img("map", "--output=json", "huge-out.qcow2")));
        q.io("-c", "read -P 9 900G 64k", "-c", "read -P 0 0 64k", "huge-out2.qcow2");
        q.assertClean("huge-out2.qcow2");
    }

    @Test
    void fromAndToNbdExports() throws Exception {
        // source: the qcow2 chain served by qemu-nbd; target: a raw file served writable by qemu-nbd
        q.img("create", "-q", "-f", "raw", "target.raw", "8M");
        try (QemuNbd source = new QemuNbd(dir.resolve("src.qcow2"), "qcow2", dir.resolve("src.sock"), false);
             QemuNbd target = new QemuNbd(dir.resolve("target.raw"), "raw", dir.resolve("t.sock"), true)) {
            shell.run("image:convert", "-f", "raw", "-O", "qcow2", source.url(), "from-nbd.qcow2").ok();
            shell.run("image:convert", "-n", "-O", "raw", "src.qcow2", target.url()).ok();
            Shell.Result cmp = shell.run("image:compare", "-f", "raw", "-F", "raw", source.url(), target.url());
            assertEquals("Images are identical.\n", cmp.out(), cmp.err());
        }
        q.assertClean("from-nbd.qcow2");
        q.assertSameContent("from-nbd.qcow2", "src.raw");
        q.assertSameContent("target.raw", "src.raw");
    }

    @Test
    void fromAnHttpServerWithTheChainNextToIt() throws Exception {
        try (Nginx http = new Nginx(dir)) {
            // the backing file lies next to the image on the server: the URL's directory is an allowed root
            shell.run("image:convert", "-O", "qcow2", http.url("src.qcow2"), "from-http.qcow2").ok();
            shell.run("image:convert", "-O", "raw", http.url("src.raw"), "from-http.raw").ok();
        }
        q.assertClean("from-http.qcow2");
        q.assertSameContent("from-http.qcow2", "src.raw");
        q.assertSameContent("from-http.raw", "src.raw");
    }
}
