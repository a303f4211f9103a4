package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * Issue "qemu-img parity": workflows where Strata refused or reported differently from qemu-img 7.2. Each runs
 * the same steps with qemu-img on one image ({@code q.*}) and with Strata on a twin ({@code s.*}), and compares
 * exit status, output and the resulting images.
 */
class QemuImgParityInteropTest {

    /** Where an argument names the image: {@code q.EXT} for qemu-img, {@code s.EXT} for Strata. */
    private static final String IMG = "IMG";

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;
    private String ext;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /** Makes the twins q.EXT and s.EXT with {@code qemu-img create ARGS} ({@link #IMG} names the image). */
    private void twins(String extension, String... createArgs) {
        ext = extension;
        q.img(Qemu.prepend("create", withImage(createArgs, "q")));
        q.img(Qemu.prepend("create", withImage(createArgs, "s")));
    }

    private String[] withImage(String[] args, String prefix) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.replace(IMG, prefix + "." + ext));
        }
        return out.toArray(String[]::new);
    }

    /** Writes the same data into both twins with qemu-io. */
    private void ioBoth(String... commands) {
        for (String prefix : List.of("q", "s")) {
            List<String> args = new ArrayList<>();
            for (String c : commands) {
                args.add("-c");
                args.add(c);
            }
            args.add(prefix + "." + ext);
            q.io(args.toArray(String[]::new));
        }
    }

    /**
     * Runs {@code qemu-img SUB ARGS} on q.EXT and {@code image:SUB ARGS} on s.EXT; asserts the same status, stdout
     * and stderr (the image names and the command's name aside); returns Strata's result.
     */
    private Shell.Result same(String sub, String... args) {
        QemuTools.Result theirs = q.run(Qemu.prepend("qemu-img", Qemu.prepend(sub, withImage(args, "q"))));
        Shell.Result ours = shell.run("image:" + sub, withImage(args, "s"));
        String what = sub + " " + List.of(args);
        String qName = "q." + ext;
        String sName = "s." + ext;
        assertEquals(theirs.stdout().replace(qName, sName), ours.out(), what);
        assertEquals(Qemu.asStrata(theirs.stderr(), "image:" + sub).replace(qName, sName), ours.err(), what);
        assertEquals(theirs.exitCode(), ours.status(), what);
        return ours;
    }

    /** Both twins pass qemu-img check and hold the same guest data and size. */
    private void assertTwinsAgree() {
        q.assertClean("q." + ext);
        q.assertClean("s." + ext);
        QemuTools.Result r = q.run("qemu-img", "compare", "-s", "q." + ext, "s." + ext);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    }

    /** qemu-img and Strata list the same snapshots of the twins (the dates aside). */
    private void assertSameSnapshotTables() {
        String date = "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}";
        assertEquals(q.img("snapshot", "-l", "q." + ext).replaceAll(date, "DATE"),
                shell.run("image:snapshot", "-l", "s." + ext).ok().out().replaceAll(date, "DATE"));
    }

    @Test
    void aQcow2WithSnapshotsGrowsAndShrinksAndItsSnapshotsStayValid() {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "4M");
        ioBoth("write -P 1 0 1M", "write -P 2 3M 1M");
        same("snapshot", "-c", "four", IMG);
        ioBoth("write -P 3 512k 1M");
        same("resize", IMG, "8M");
        ioBoth("write -P 4 6M 1M");
        same("snapshot", "-c", "eight", IMG);
        assertTwinsAgree();
        same("resize", "--shrink", IMG, "1M");
        assertTwinsAgree();
        same("resize", IMG, "+2M");
        assertTwinsAgree();
        // applying a snapshot gives the image that snapshot's size again
        same("snapshot", "-a", "eight", IMG);
        assertTwinsAgree();
        q.io("-c", "read -P 1 0 512k", "-c", "read -P 3 512k 1M", "-c", "read -P 2 3M 1M", "-c", "read -P 4 6M 1M",
                "s.qcow2");
        same("snapshot", "-a", "four", IMG);
        assertTwinsAgree();
        q.io("-c", "read -P 1 0 1M", "-c", "read -P 0 1M 2M", "-c", "read -P 2 3M 1M", "s.qcow2");
        assertSameSnapshotTables();
        same("snapshot", "-d", "eight", IMG);
        assertTwinsAgree();

        // a v2 image records no snapshot sizes: qemu-img refuses, and so does Strata
        twins("qcow2", "-q", "-f", "qcow2", "-o", "compat=0.10", IMG, "1M");
        same("snapshot", "-c", "one", IMG);
        same("resize", IMG, "2M");
    }

    @Test
    void aSecondSnapshotOfTheSameNameGetsItsOwnId() {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "1M");
        ioBoth("write -P 1 0 64k");
        same("snapshot", "-c", "x", IMG);
        ioBoth("write -P 2 0 64k");
        same("snapshot", "-c", "x", IMG);
        assertSameSnapshotTables();
        // a name finds the first of that name
        same("snapshot", "-a", "x", IMG);
        q.io("-c", "read -P 1 0 64k", "s.qcow2");
        same("snapshot", "-d", "x", IMG);
        same("snapshot", "-a", "x", IMG);
        q.io("-c", "read -P 2 0 64k", "s.qcow2");
        assertTwinsAgree();
    }

    @Test
    void infoShowsAQcow2WhoseDataFileIsMissing() throws Exception {
        twins("qcow2", "-q", "-f", "qcow2", "-o", "data_file=IMG.data", IMG, "1M");
        Files.delete(dir.resolve("q.qcow2.data"));
        Files.delete(dir.resolve("s.qcow2.data"));
        same("info", IMG);
        same("info", "--output=json", IMG);
        same("info", "--backing-chain", IMG);
        // only info: whatever reads data still fails
        same("map", IMG);
    }

    @Test
    void ioRefusesACorruptImageUnlessReadOnly() throws Exception {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "1M");
        ioBoth("write -P 1 0 64k");
        for (String name : List.of("q.qcow2", "s.qcow2")) {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
                f.seek(72); // incompatible features: the corrupt bit
                f.writeLong(2);
            }
        }
        QemuTools.Result theirs = q.run("qemu-io", "-c", "read -P 1 0 64k", "q.qcow2");
        Shell.Result ours = shell.run("image:io", "-c", "read -P 1 0 64k", "s.qcow2");
        assertEquals(theirs.exitCode(), ours.status(), ours.err());
        String why = ": qcow2: Image is corrupt; cannot be opened read/write\n";
        assertTrue(theirs.stderr().endsWith(why), theirs.stderr());
        assertTrue(ours.err().endsWith(why), ours.err());
        assertEquals("", ours.out());
        // read-only, both read it
        assertEquals(0, q.run("qemu-io", "-r", "-c", "read -P 1 0 64k", "q.qcow2").exitCode());
        assertEquals("read 65536/65536 bytes at offset 0\n",
                shell.run("image:io", "-r", "-c", "read -q -P 1 0 64k", "-c", "read 0 64k", "s.qcow2").ok().out()
                        .lines().findFirst().orElseThrow() + "\n");
    }

    @Test
    void repairingLeaksRefusesAnImageWhoseRefcountsNeedARebuild() throws Exception {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "4M");
        ioBoth("write -P 1 0 256k");
        for (String name : List.of("q.qcow2", "s.qcow2")) {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
                f.seek(48);
                long table = f.readLong();
                f.seek(table);
                long block = f.readLong();
                f.writeLong(block); // the second entry names the first refcount block again
            }
        }
        byte[] before = Files.readAllBytes(dir.resolve("s.qcow2"));
        same("check", IMG);
        same("check", "-r", "leaks", IMG);
        same("check", "-r", "leaks", "--output=json", IMG);
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("s.qcow2")), "-r leaks changed the image");
    }

    @Test
    void anUnalignedDataClusterIsReportedAndRepairedAsQemuImgDoes() throws Exception {
        twins("qcow2", "-q", "-f", "qcow2", IMG, "4M");
        ioBoth("write -P 1 0 256k");
        for (String name : List.of("q.qcow2", "s.qcow2")) {
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
                f.seek(40);
                long l1 = f.readLong();
                f.seek(l1);
                long l2 = f.readLong() & 0x00fffffffffffe00L;
                f.seek(l2 + 8);
                long entry = f.readLong();
                f.seek(l2 + 8);
                f.writeLong(entry + 512); // the second cluster's data now starts 512 bytes into its cluster
            }
        }
        same("check", IMG);
        same("check", "--output=json", IMG);
        same("check", "-r", "all", IMG);
        same("check", IMG);
    }

    @Test
    void aDiscardLeavesWhatCoversNoWholeClusterAsQemuIoDoes() {
        for (String options : List.of("extended_l2=on", "cluster_size=4k", "extended_l2=on,cluster_size=16k")) {
            twins("qcow2", "-q", "-f", "qcow2", "-o", options, IMG, "1M");
            List<String> args = new ArrayList<>();
            for (String c : List.of("write -P 1 0 256k", "discard 0 8k", "discard 64k 4k", "discard 96k 2k",
                    "discard 128k 96k", "write -z -u 240k 2k")) {
                args.add("-c");
                args.add(c);
            }
            q.io(Qemu.concat(args, "q.qcow2"));
            shell.run("image:io", Qemu.concat(args, "s.qcow2")).ok();
            assertTwinsAgree();
            assertEquals(guestMap("q.qcow2"), guestMap("s.qcow2"), options);
        }
    }

    /** qemu-img map's runs without host offsets (where each writer put the data), adjacent alike runs joined. */
    private List<String> guestMap(String image) {
        List<String> runs = new ArrayList<>();
        long runStart = 0;
        long runEnd = 0;
        String runStatus = null;
        Matcher m = Pattern.compile("\"start\": ([0-9]+), \"length\": ([0-9]+), (\"depth\"[^}]*?\"data\": [a-z]+)")
                .matcher(q.img("map", "--output=json", image));
        while (m.find()) {
            long start = Long.parseLong(m.group(1));
            if (!m.group(3).equals(runStatus) || start != runEnd) {
                if (runStatus != null) {
                    runs.add(runStart + "+" + (runEnd - runStart) + " " + runStatus);
                }
                runStart = start;
                runStatus = m.group(3);
            }
            runEnd = start + Long.parseLong(m.group(2));
        }
        runs.add(runStart + "+" + (runEnd - runStart) + " " + runStatus);
        return runs;
    }

    @Test
    void compareTakesProgressAndWantsTwoNames() {
        twins("raw", "-q", "-f", "raw", IMG, "3M");
        ioBoth("write -P 1 1M 64k");
        q.img("create", "-q", "-f", "qcow2", "other.qcow2", "3M");
        q.io("-c", "write -P 1 1M 64k", "other.qcow2");
        shell.tty(true); // qemu-img redraws its progress in place whether or not stdout is a terminal
        same("compare", "-p", IMG, "other.qcow2");
        same("compare", "-p", "-q", IMG, "other.qcow2");
        q.io("-c", "write -P 2 2M 512", "other.qcow2");
        same("compare", "-p", IMG, "other.qcow2");
        same("compare", IMG);
    }
}
