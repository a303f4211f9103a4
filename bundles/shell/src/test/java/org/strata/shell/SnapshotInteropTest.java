package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4: qcow2 internal snapshots through image:snapshot. Create, apply and delete cycles, mixed with qemu-img's,
 * keep qemu-img check clean (refcounts exact); qemu-img snapshot -l and image:snapshot -l print the same table, and
 * image:info lists the snapshots as qemu-img info does, in text and JSON.
 */
class SnapshotInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
    }

    /** Strata and qemu-img agree on the image: clean, the same snapshot table, the same info. */
    private void assertAgree(String image) {
        q.assertClean(image);
        assertEquals(q.img("snapshot", "-l", image), shell.run("image:snapshot", "-l", image).ok().out());
        assertEquals(q.img("info", image), shell.run("image:info", image).ok().out());
        assertEquals(q.img("info", "--output=json", image),
                shell.run("image:info", "--output=json", image).ok().out());
    }

    @Test
    void createApplyDeleteCyclesKeepTheImageCleanAndAgreeWithQemuImg() {
        for (String options : List.of("compat=1.1", "compat=0.10,cluster_size=4k", "extended_l2=on,refcount_bits=4",
                "lazy_refcounts=on,refcount_bits=64,cluster_size=4k", "refcount_bits=16,cluster_size=512")) {
            String img = "s" + options.hashCode() + ".qcow2";
            shell.run("image:create", "-q", "-f", "qcow2", "-o", options, img, "4M").ok();
            shell.run("image:io", "-c", "write -P 1 0 1M", "-c", "write -z 2M 64k", img).ok();
            shell.run("image:snapshot", "-c", "one", img).ok();
            assertAgree(img);
            shell.run("image:io", "-c", "write -P 2 512k 1M", "-c", "discard 0 64k", img).ok();
            q.img("snapshot", "-c", "two", img);
            shell.run("image:snapshot", "-c", "three", img).ok();
            q.io("-c", "write -P 3 3M 100k", img);
            assertAgree(img);

            shell.run("image:snapshot", "-a", "one", img).ok();
            assertAgree(img);
            q.io("-c", "read -P 1 0 1M", "-c", "read -P 0 1M 3M", img);
            shell.run("image:snapshot", "-a", "2", img).ok(); // by id, as qemu-img -a allows
            q.io("-c", "read -P 0 0 64k", "-c", "read -P 2 512k 1M", "-c", "read -P 0 3M 100k", img);
            shell.run("image:io", "-c", "write -P 4 0 2M", img).ok();

            shell.run("image:snapshot", "-d", "one", img).ok();
            assertAgree(img);
            q.img("snapshot", "-d", "three", img);
            shell.run("image:snapshot", "-d", "two", img).ok();
            assertAgree(img);
            q.io("-c", "read -P 4 0 2M", img);
            assertTrue(shell.run("image:snapshot", "-l", img).ok().out().isEmpty());
        }
    }

    @Test
    void theTableShowsVmStateSizeDateClockAndIcountAsQemuImgDoes() throws Exception {
        q.img("create", "-q", "-f", "qcow2", "t.qcow2", "1M");
        q.img("snapshot", "-c", "a name longer than sixteen characters", "t.qcow2");
        q.img("snapshot", "-c", "b", "t.qcow2");
        // give the first snapshot VM state, a guest clock and an instruction count, as a running VM's would have
        setVmFields(dir.resolve("t.qcow2"), 5L * 1024 * 1024 + 123, 3_723_456_000_000L, 12345);
        assertAgree("t.qcow2");
    }

    @Test
    void errorsAreQemuImgs() {
        shell.run("image:create", "-q", "-f", "qcow2", "e.qcow2", "1M").ok();
        shell.run("image:snapshot", "-c", "x", "e.qcow2").ok();
        for (List<String> args : List.of(List.of("-d", "nope"), List.of("-a", "nope"), List.of("-d", "1"),
                List.of("-l", "-c", "y"))) {
            var theirs = q.run(Qemu.prepend("qemu-img", Qemu.concat(List.of("snapshot"),
                    Qemu.concat(args, "e.qcow2"))));
            Shell.Result ours = shell.run("image:snapshot", Qemu.concat(args, "e.qcow2"));
            assertEquals(theirs.exitCode(), ours.status(), args.toString());
            assertEquals(Qemu.asStrata(theirs.stderr(), "image:snapshot"), ours.err(), args.toString());
        }
        // a name may repeat, as in qemu-img (QemuImgParityInteropTest); one made so by qemu-img too is listed,
        // applied by its id and deleted by name (the first of that name)
        shell.run("image:snapshot", "-c", "x", "e.qcow2").ok();
        q.img("snapshot", "-c", "x", "e.qcow2");
        assertAgree("e.qcow2");
        shell.run("image:snapshot", "-a", "2", "e.qcow2").ok();
        shell.run("image:snapshot", "-d", "x", "e.qcow2").ok();
        assertAgree("e.qcow2");
        assertTrue(shell.run("image:snapshot", "-l", "e.qcow2").ok().out().contains("\n2         x"));
        // with 1-bit refcounts no cluster can be shared: qemu-img fails and leaks a cluster, Strata fails cleanly
        shell.run("image:create", "-q", "-f", "qcow2", "-o", "refcount_bits=1", "r1.qcow2", "1M").ok();
        shell.run("image:io", "-c", "write 0 64k", "r1.qcow2").ok();
        Shell.Result r1 = shell.run("image:snapshot", "-c", "a", "r1.qcow2");
        assertEquals(1, r1.status());
        assertTrue(r1.err().startsWith("image:snapshot: Could not create snapshot 'a': "), r1.err());
        q.assertClean("r1.qcow2");
        Shell.Result raw = shell.run("image:snapshot", "-c", "s", "-f", "raw",
                shell.run("image:create", "-q", "-f", "raw", "r.raw", "1M").ok().out() + "r.raw");
        assertEquals(1, raw.status());
        assertTrue(raw.err().startsWith("image:snapshot: Could not create snapshot 's': "), raw.err());
    }

    /** Writes VM state size, VM clock and icount into the first snapshot table entry (docs/interop/qcow2.rst). */
    private static void setVmFields(Path image, long vmStateSize, long vmClockNsec, long icount) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(64);
            long table = f.readLong();
            f.seek(table + 24);
            f.writeLong(vmClockNsec);
            f.writeInt((int) vmStateSize);
            int extra = f.readInt();
            if (extra < 24) {
                throw new AssertionError("snapshot extra data of " + extra + " bytes");
            }
            f.writeLong(vmStateSize);
            f.readLong(); // disk size
            f.writeLong(icount);
        }
    }
}
