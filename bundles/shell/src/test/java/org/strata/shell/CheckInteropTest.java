package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongUnaryOperator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5: image:check against qemu-img check on clean, leaky and corrupt images (made so by editing refcounts):
 * the same text and JSON, the same messages, the same exit codes (0 clean, 2 corruptions, 3 leaks only, 1 the
 * check could not be done, 63 no checks for the format), and -r leaks / -r all repairing as qemu-img repairs.
 */
class CheckInteropTest {

    private static final long COPIED = 1L << 63;

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /** A qcow2 image with data; returns its name. */
    private String image(String name) {
        q.img("create", "-q", "-f", "qcow2", name, "4M");
        q.io("-c", "write -P 1 0 256k", "-c", "write -P 2 1M 64k", name);
        return name;
    }

    /** Sets the 16-bit refcount of host cluster {@code index} (the image has one refcount block). */
    private void setRefcount(String name, long index, int refcount) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
            f.seek(48);
            long table = f.readLong();
            f.seek(table);
            long block = f.readLong();
            f.seek(block + 2 * index);
            f.writeShort(refcount);
            long end = (index + 1) * 65536;
            if (f.length() < end) {
                f.setLength(end);
            }
        }
    }

    /** The same check by both: the same stdout, stderr (named for the command) and exit status. */
    private void assertSameCheck(String theirs, String ours, String... options) {
        var expected = q.run(Qemu.prepend("qemu-img", Qemu.prepend("check", Qemu.concat(List.of(options), theirs))));
        Shell.Result actual = shell.run("image:check", Qemu.concat(List.of(options), ours));
        String what = List.of(options) + " " + ours;
        assertEquals(expected.stdout().replace(theirs, ours), actual.out(), what);
        assertEquals(Qemu.asStrata(expected.stderr(), "image:check").replace(theirs, ours), actual.err(), what);
        assertEquals(expected.exitCode(), actual.status(), what);
    }

    @Test
    void cleanLeakyAndCorruptImagesAreReportedAsQemuImgReportsThem() throws Exception {
        image("clean.qcow2");
        image("leaky.qcow2");
        setRefcount("leaky.qcow2", 20, 1);
        setRefcount("leaky.qcow2", 21, 3);
        image("corrupt.qcow2");
        // cluster 5 holds guest data: a refcount of 0 lets it be allocated twice
        setRefcount("corrupt.qcow2", 5, 0);
        for (String name : List.of("clean.qcow2", "leaky.qcow2", "corrupt.qcow2")) {
            for (String output : List.of("--output=human", "--output=json")) {
                assertSameCheck(name, name, output);
            }
        }
    }

    @Test
    void repairsAreQemuImgs() throws Exception {
        for (String mode : List.of("leaks", "all")) {
            for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
                image(name);
                setRefcount(name, 20, 1);
                if (mode.equals("all")) {
                    setRefcount(name, 5, 0);
                }
            }
            assertSameRepair("theirs.qcow2", "ours.qcow2", "-r", mode);
            // and what the check of each then finds (the rebuilt structure lies where qemu-img puts it)
            assertSameCheck("theirs.qcow2", "ours.qcow2", "--output=json");
        }
        for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
            image(name);
            setRefcount(name, 21, 2);
        }
        assertSameCheck("theirs.qcow2", "ours.qcow2", "--output=json", "-r", "leaks");
        q.assertClean("ours.qcow2");
    }

    /**
     * The same repair by both, line for line: what is wrong, what is repaired (a rebuild of the refcount structure
     * included), the summary and the exit status; and afterwards images qemu-img finds alike and clean.
     */
    private void assertSameRepairAll(String theirs, String ours, String... options) {
        assertSameRepair(theirs, ours, Qemu.concat(List.of("-r", "all"), options));
    }

    private void assertSameRepair(String theirs, String ours, String... options) {
        assertSameCheck(theirs, ours, options);
        var theirsAfter = q.run("qemu-img", "check", theirs);
        var oursAfter = q.run("qemu-img", "check", ours);
        assertEquals(theirsAfter.stdout() + theirsAfter.stderr().replace(theirs, ours) + theirsAfter.exitCode(),
                oursAfter.stdout() + oursAfter.stderr() + oursAfter.exitCode(), "after " + List.of(options));
        q.assertSameContent(ours, theirs);
    }

    /** Changes the big-endian 8-byte word at {@code offset} of the image {@code name}. */
    private void poke(String name, long offset, LongUnaryOperator change) throws Exception {
        long value = word(name, offset);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
            f.seek(offset);
            f.writeLong(change.applyAsLong(value));
        }
    }

    private long word(String name, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(name).toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        }
    }

    /**
     * Every repair of a refcount structure that only a rebuild mends (a refcount block listed twice in the refcount
     * table; a block past the end of the file, which -r all first grows the file to hold, then finds empty): the
     * rebuild's own report (the old structure's clusters freed as "Repairing cluster N refcount=A reference=0"), the
     * summary, and the rebuilt image, as qemu-img's.
     */
    @Test
    void rebuildsOfTheRefcountStructureAreReportedAndPlacedAsQemuImgDoes() throws Exception {
        for (String output : List.of("--output=human", "--output=json")) {
            for (long secondBlock : List.of(-1L, 100L << 16)) {
                for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
                    image(name);
                    long table = word(name, 48);
                    // the second entry names the first block again, or a cluster past the file's end
                    long entry = secondBlock < 0 ? word(name, table) : secondBlock;
                    poke(name, table + 8, v -> entry);
                }
                assertSameCheck("theirs.qcow2", "ours.qcow2", output);
                assertSameRepair("theirs.qcow2", "ours.qcow2", "-r", "leaks", output);
                assertSameRepairAll("theirs.qcow2", "ours.qcow2", output);
                assertEquals(Files.size(dir.resolve("theirs.qcow2")), Files.size(dir.resolve("ours.qcow2")));
            }
        }
    }

    /** Refcounts too low but not 0 (a cluster a snapshot shares): set in place, and its COPIED flag then right. */
    @Test
    void refcountsTooLowAreRepairedInPlaceAsQemuImgDoes() throws Exception {
        for (String mode : List.of("leaks", "all")) {
            for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
                q.img("create", "-q", "-f", "qcow2", name, "4M");
                q.io("-c", "write -P 1 0 256k", name);
                q.img("snapshot", "-c", "s1", name);
                setRefcount(name, 5, 1); // the first data cluster, which the snapshot shares
            }
            assertSameCheck("theirs.qcow2", "ours.qcow2");
            assertSameRepair("theirs.qcow2", "ours.qcow2", "-r", mode);
        }
    }

    /**
     * Wrong COPIED flags of an L2 table (in the L1 entry) and of a data cluster: found, and repaired by -r all and
     * by -r leaks too when nothing else is wrong, as qemu-img repairs them.
     */
    @Test
    void copiedFlagsAreRepairedAsQemuImgRepairsThem() throws Exception {
        for (String mode : List.of("none", "leaks", "all")) {
            for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
                image(name);
                long l1 = word(name, 40);
                long l2 = word(name, l1) & 0x00fffffffffffe00L;
                poke(name, l1, v -> v & ~COPIED);
                poke(name, l2 + 8, v -> v & ~COPIED);
            }
            if (mode.equals("none")) {
                assertSameCheck("theirs.qcow2", "ours.qcow2");
            } else {
                assertSameRepair("theirs.qcow2", "ours.qcow2", "-r", mode);
            }
        }
    }

    /**
     * With -r leaks on an image whose refcounts are also too low somewhere, only a rebuild helps: both repair nothing
     * and fail the check ("need to rebuild refcount structures", exit 1); -r all then repairs.
     */
    @Test
    void leaksAreNotRepairedWhereOnlyARebuildHelps() throws Exception {
        for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
            image(name);
            setRefcount(name, 20, 1);
            setRefcount(name, 5, 0);
        }
        assertSameCheck("theirs.qcow2", "ours.qcow2", "-r", "leaks");
        assertSameCheck("theirs.qcow2", "ours.qcow2", "-r", "leaks", "--output=json");
        shell.run("image:check", "-r", "all", "ours.qcow2").ok();
        q.assertClean("ours.qcow2");
    }

    @Test
    void aDirtyImageWithLazyRefcountsIsCheckedAndRepairedAsQemuImgDoes() throws Exception {
        for (String name : List.of("theirs.qcow2", "ours.qcow2")) {
            q.img("create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on", name, "4M");
            // qemu-io dies before it writes the refcounts back: the image stays dirty
            q.run("qemu-io", "-c", "write -P 1 0 256k", "-c", "abort", name);
        }
        assertSameCheck("theirs.qcow2", "ours.qcow2");
        assertSameCheck("theirs.qcow2", "ours.qcow2", "--output=json");
        assertEquals(q.img("info", "--output=json", "theirs.qcow2").replace("theirs", "ours")
                        .replaceAll("\"actual-size\": [0-9]+", ""),
                shell.run("image:info", "--output=json", "ours.qcow2").ok().out()
                        .replaceAll("\"actual-size\": [0-9]+", ""));
        // the repair reports the refcounts it fixed, in text and JSON, and leaves the image clean, no longer dirty
        for (String name : List.of("theirs", "ours")) {
            Files.copy(dir.resolve(name + ".qcow2"), dir.resolve(name + "2.qcow2"));
        }
        assertSameRepairAll("theirs.qcow2", "ours.qcow2");
        assertSameRepairAll("theirs2.qcow2", "ours2.qcow2", "--output=json");
        assertEquals(q.img("info", "--output=json", "theirs.qcow2").replace("theirs", "ours")
                        .replaceAll("\"actual-size\": [0-9]+", ""),
                shell.run("image:info", "--output=json", "ours.qcow2").ok().out()
                        .replaceAll("\"actual-size\": [0-9]+", ""));
        q.assertClean("ours.qcow2");
        q.assertClean("theirs.qcow2");
        q.io("-c", "read -P 1 0 256k", "ours.qcow2");
    }

    @Test
    void anImageMarkedCorruptIsReadOnlyUntilRepaired() throws Exception {
        image("c.qcow2");
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("c.qcow2").toFile(), "rw")) {
            f.seek(72);
            long incompatible = f.readLong();
            f.seek(72);
            f.writeLong(incompatible | 2); // the corrupt bit
        }
        assertSameCheck("c.qcow2", "c.qcow2");
        for (List<String> command : List.of(List.of("image:io", "-c", "write 0 4k", "c.qcow2"),
                List.of("image:resize", "c.qcow2", "+1M"), List.of("image:snapshot", "-c", "s", "c.qcow2"))) {
            Shell.Result r = shell.run(command.get(0), command.subList(1, command.size()).toArray(String[]::new));
            assertEquals(1, r.status(), command.toString());
            assertEquals(command.get(0) + ": Could not open 'c.qcow2': qcow2: Image is corrupt; cannot be opened"
                    + " read/write\n", r.err());
        }
        assertEquals(q.run("qemu-img", "resize", "c.qcow2", "+1M").stderr().replace("qemu-img", "image:resize"),
                shell.run("image:resize", "c.qcow2", "+1M").err());
        shell.run("image:io", "-r", "-c", "read -P 1 0 256k", "c.qcow2").ok();
        assertSameCheck("c.qcow2", "c.qcow2", "-r", "all");
        assertEquals(q.img("info", "--output=json", "c.qcow2"),
                shell.run("image:info", "--output=json", "c.qcow2").ok().out());
        shell.run("image:io", "-c", "write -P 3 0 4k", "c.qcow2").ok();
        q.assertClean("c.qcow2");
    }

    @Test
    void exitCodesForWhatCannotBeChecked() {
        q.img("create", "-q", "-f", "raw", "r.raw", "1M");
        assertSameCheck("r.raw", "r.raw");
        assertSameCheck("r.raw", "r.raw", "-f", "raw", "--output=json");
        Shell.Result missing = shell.run("image:check", "missing.qcow2");
        assertEquals(1, missing.status());
        assertEquals(q.run("qemu-img", "check", "missing.qcow2").exitCode(), missing.status());
    }
}
