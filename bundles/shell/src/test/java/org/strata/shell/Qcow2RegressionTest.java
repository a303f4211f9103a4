package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bugs once found in the qcow2 driver through the commands, kept as regression tests. */
class Qcow2RegressionTest {

    @TempDir
    Path dir;

    /**
     * With 64-bit refcounts a refcount block covers cluster_size / 8 clusters; a write that allocates exactly that
     * many clusters at once fails with "could not allocate N clusters" (512-byte clusters: a 32 KiB write; 1 KiB
     * clusters: a 128 KiB write). qemu-io writes the same without trouble.
     */
    @Test
    void aWriteAllocatingOneRefcountBlocksWorthOfClustersWith64BitRefcounts() {
        Qemu q = new Qemu(dir);
        Shell shell = new Shell(dir);
        q.img("create", "-q", "-f", "qcow2", "-o", "refcount_bits=64,cluster_size=512", "theirs.qcow2", "8M");
        q.io("-c", "write -P 1 0 32k", "theirs.qcow2");
        shell.run("image:create", "-q", "-f", "qcow2", "-o", "refcount_bits=64,cluster_size=512", "ours.qcow2",
                "8M").ok();
        Shell.Result r = shell.run("image:io", "-c", "write -q -P 1 0 32k", "ours.qcow2");
        assertEquals("", r.out());
        assertEquals(0, r.status());
        q.assertClean("ours.qcow2");
        q.assertSameContent("ours.qcow2", "theirs.qcow2");
    }

    /**
     * qemu-img measure reports a bitmaps figure only when the source can hold persistent bitmaps (qcow2 v3) and
     * the target is v3; the driver's measure looks only at the target, so a compat=0.10 source gets "bitmaps": 0
     * where qemu-img prints no bitmaps key (image:measure works around it).
     */
    @Test
    void measureOfACompat010SourceHasNoBitmapsFigure() throws Exception {
        Qemu q = new Qemu(dir);
        q.img("create", "-q", "-f", "qcow2", "-o", "compat=0.10", "v2.qcow2", "1M");
        assertEquals(-1, q.img("measure", "--output=json", "-O", "qcow2", "v2.qcow2").indexOf("bitmaps"));
        org.strata.core.agent.DriverRegistry registry = new org.strata.core.agent.DriverRegistry();
        registry.addStorage(new org.strata.storage.file.FileStorageDriver());
        org.strata.format.qcow2.Qcow2FormatDriver qcow2 = new org.strata.format.qcow2.Qcow2FormatDriver();
        registry.addFormat(qcow2);
        var images = new org.strata.core.agent.ImageService(registry, org.strata.testkit.TestEngines.ioThreads(), dir,
                org.strata.core.agent.Mode.RUN, org.strata.core.agent.AgentSettings.DEFAULTS);
        try (var src = images.opener().open("v2.qcow2", org.strata.core.image.OpenRequest.in(dir).build())) {
            assertEquals(-1, qcow2.measure(src.size(), java.util.Map.of(), src).bitmaps());
        }
    }
}
