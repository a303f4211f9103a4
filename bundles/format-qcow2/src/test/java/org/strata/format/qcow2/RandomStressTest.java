package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.CheckResult;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.Preallocation;
import org.strata.api.RepairMode;
import org.strata.api.UnsupportedFeatureException;
import org.strata.testkit.Patterns;

/**
 * A long random mix of everything that changes an image (writes, zeroes, all discards, compressed writes,
 * internal snapshots, resizes, reopenings), checked against a model after every step and by Strata's own check
 * (no corruption, no leak) at every reopening, then by qemu-img check and compare at the end.
 */
class RandomStressTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"", "extended_l2=on,compression_type=zstd,BACKING", "cluster_size=4k,refcount_bits=4",
        "compat=0.10,BACKING", "lazy_refcounts=on,cluster_size=16k,extended_l2=on", "cluster_size=512"})
    void randomOperationsKeepTheImageConsistent(String spec) throws IOException {
        long seed = Long.getLong("strata.seed", System.nanoTime());
        Random rnd = new Random(seed);
        boolean backed = spec.contains("BACKING");
        Map<String, String> options = StrataImagesQemuCheckTest.options(spec.replace(",BACKING", ""));
        int size = 2 << 20;
        byte[] base = new byte[size];
        Path img = dir.resolve("stress.qcow2");
        if (backed) {
            Path b = dir.resolve("base.qcow2");
            Qemu.img("create", "-f", "qcow2", b, Integer.toString(size));
            Qemu.io("-c", "write -P 0x5a 0 " + size, "-c", "write -z 512k 64k", b);
            base = Qemu.raw(b);
            TestImages.create(img, new CreateRequest(-1, options, "base.qcow2", "qcow2", true));
        } else {
            TestImages.create(img, size, options);
        }
        byte[] model = base.clone();
        Map<String, byte[]> snapshots = new LinkedHashMap<>();
        FormatAccess a = TestContext.open(img, true);
        long cs = a.info().clusterSize();
        String step = "";
        try {
            for (int i = 0; i < 150; i++) {
                int sz = (int) a.size();
                int off = rnd.nextInt(sz);
                int len = Math.min(sz - off, 1 + (rnd.nextBoolean() ? rnd.nextInt(4096) : rnd.nextInt(150_000)));
                int op = rnd.nextInt(100);
                if (op < 35) {
                    step = "write " + off + "+" + len;
                    byte[] data = Patterns.random(rnd, len);
                    a.write(ByteBuffer.wrap(data), off);
                    System.arraycopy(data, 0, model, off, len);
                } else if (op < 42) {
                    step = "writeZeroes " + off + "+" + len;
                    a.writeZeroes(off, len);
                    Arrays.fill(model, off, off + len, (byte) 0);
                } else if (op < 48) {
                    step = "discardToZero " + off + "+" + len;
                    a.discardToZero(off, len);
                    Arrays.fill(model, off, off + len, (byte) 0);
                } else if (op < 53) {
                    step = "discardToBacking " + off + "+" + len;
                    a.discardToBacking(off, len);
                    for (int k = off; k < off + len; k++) {
                        model[k] = k < base.length ? base[k] : 0;
                    }
                } else if (op < 57) {
                    step = "discardToAny " + off + "+" + len;
                    a.discardToAny(off, len);
                    System.arraycopy(TestImages.read(a, off, len), 0, model, off, len);
                } else if (op < 67) {
                    long c = off / cs * cs;
                    int n = (int) Math.min(cs, sz - c);
                    step = "writeCompressed " + c;
                    byte[] data = new byte[(int) cs];
                    Arrays.fill(data, 0, n, (byte) rnd.nextInt(4));
                    try {
                        a.writeCompressed(ByteBuffer.wrap(data, 0, n), c);
                        System.arraycopy(data, 0, model, (int) c, n);
                    } catch (UnsupportedFeatureException e) {
                        // an allocated cluster: not written compressed
                    }
                } else if (op < 72 && snapshots.size() < 3) {
                    String name = "s" + i;
                    step = "createSnapshot " + name;
                    a.createSnapshot(name);
                    snapshots.put(name, model.clone());
                } else if (op < 76 && !snapshots.isEmpty()) {
                    List<String> names = new ArrayList<>(snapshots.keySet());
                    String name = names.get(rnd.nextInt(names.size()));
                    step = "applySnapshot " + name;
                    a.applySnapshot(name);
                    model = snapshots.get(name).clone();
                } else if (op < 80 && !snapshots.isEmpty()) {
                    List<String> names = new ArrayList<>(snapshots.keySet());
                    String name = names.get(rnd.nextInt(names.size()));
                    step = "deleteSnapshot " + name;
                    a.deleteSnapshot(name);
                    snapshots.remove(name);
                } else if (op < 84 && (snapshots.isEmpty() || !spec.contains("compat=0.10"))) {
                    // v3 snapshots keep their size: applying one restores it (a v2 image with snapshots is not resized)
                    int newSize = (512 + rnd.nextInt(3 << 20)) / 512 * 512;
                    step = "resize " + sz + " -> " + newSize;
                    a.resize(newSize, Preallocation.OFF);
                    byte[] m = new byte[newSize];
                    System.arraycopy(model, 0, m, 0, Math.min(sz, newSize));
                    model = m;
                } else if (op < 92) {
                    step = "reopen and check";
                    a.close();
                    a = TestContext.open(img, true);
                    CheckResult r = a.check(RepairMode.NONE);
                    if (r.corruptions() != 0 || r.leaks() != 0) {
                        fail("after step " + i + " (seed " + seed + "): " + r);
                    }
                } else {
                    step = "flush";
                    a.flush();
                }
                assertEquals(model.length, a.size(), step + " (seed " + seed + ")");
                int vo = Math.max(0, off - 4096);
                int vl = Math.min(model.length - vo, len + 8192);
                if (vl > 0) {
                    byte[] got = TestImages.read(a, vo, vl);
                    int d = Patterns.firstDifference(model, vo, got, 0, vl);
                    if (d >= 0) {
                        fail("byte " + (vo + d) + " after " + step + " (step " + i + ", seed " + seed + ")");
                    }
                }
            }
        } finally {
            a.close();
        }
        Qemu.assertCleanHolding(img, model);
    }
}
