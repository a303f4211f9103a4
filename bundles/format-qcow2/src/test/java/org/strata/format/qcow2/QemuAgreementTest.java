package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.strata.api.CheckResult;
import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.RepairMode;
import org.strata.api.SnapshotInfo;
import org.strata.testkit.Patterns;
import org.strata.testkit.QemuTools;

/** What Strata reports (check, info, create, snapshots) against what qemu-img reports (measure: MeasureAgreementTest). */
class QemuAgreementTest {

    @TempDir
    Path dir;

    private Path qemuImage(String options) {
        Path img = dir.resolve("q.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", options, img, "4M");
        Qemu.io("-c", "write -P 1 0 100k", "-c", "write -P 2 1M 64k", "-c", "write -P 3 300k 8k",
                "-c", "write -z 2M 128k", "-c", "write -P 4 3M 200k", "-c", "write -P 5 200k 4k", img);
        return img;
    }

    private static CheckResult strataCheck(Path img, RepairMode mode) throws IOException {
        try (FormatAccess a = TestContext.open(img, mode != RepairMode.NONE)) {
            return a.check(mode);
        }
    }

    private static long field(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsLong() : 0;
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat=1.1", "compat=0.10", "cluster_size=4k,refcount_bits=1", "extended_l2=on",
        "COMPRESSED", "SNAPSHOT"})
    void checkCountersAgree(String options) throws IOException {
        Path img = qemuImage(options.equals("COMPRESSED") || options.equals("SNAPSHOT") ? "compat=1.1" : options);
        if (options.equals("COMPRESSED")) {
            Path c = dir.resolve("c.qcow2");
            Qemu.img("convert", "-c", "-O", "qcow2", img, c);
            img = c;
        } else if (options.equals("SNAPSHOT")) {
            Qemu.img("snapshot", "-c", "s", img);
            Qemu.io("-c", "write -P 9 0 64k", img);
        }
        JsonObject q = Qemu.check(img);
        CheckResult r = strataCheck(img, RepairMode.NONE);
        String what = options + ": qemu " + q + ", strata " + r;
        assertEquals(field(q, "check-errors"), r.checkErrors(), what);
        assertEquals(field(q, "corruptions"), r.corruptions(), what);
        assertEquals(field(q, "leaks"), r.leaks(), what);
        assertEquals(field(q, "total-clusters"), r.totalClusters(), what);
        assertEquals(field(q, "allocated-clusters"), r.allocatedClusters(), what);
        assertEquals(field(q, "fragmented-clusters"), r.fragmentedClusters(), what);
        assertEquals(field(q, "compressed-clusters"), r.compressedClusters(), what);
        assertEquals(field(q, "image-end-offset"), r.imageEndOffset(), what);
    }

    private static List<String> qemuCheckLines(Path img) {
        QemuTools.Result r = Qemu.run("qemu-img", "check", img);
        return r.stderr().lines().filter(l -> l.startsWith("Leaked") || l.startsWith("ERROR"))
                .collect(Collectors.toList());
    }

    @Test
    void leaksAreFoundAndRepairedLikeQemu() throws IOException {
        Path img = qemuImage("compat=1.1");
        try (TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true)) {
            Qcow2Image q = (Qcow2Image) o.image();
            q.exclusively(() -> {
                long off = q.refcounts().allocate(2);
                q.file().storage().write(Patterns.filled(2 * 65536, 7), off);
                q.flushLocked();
            });
        }
        List<String> expected = qemuCheckLines(img);
        assertEquals(2, expected.size(), expected.toString());
        CheckResult r = strataCheck(img, RepairMode.NONE);
        assertEquals(expected, r.messages());
        assertEquals(2, r.leaks());
        CheckResult fixed = strataCheck(img, RepairMode.LEAKS);
        assertEquals(2, fixed.leaksFixed());
        assertEquals(0, fixed.leaks());
        // as qemu-img: what is wrong first, then what is repaired
        assertEquals(expected, fixed.messages().subList(0, 2));
        assertTrue(fixed.messages().get(2).startsWith("Repairing cluster "), fixed.messages().toString());
        Qemu.assertClean(img);
    }

    @Test
    void corruptionsAreFoundAndRepairedLikeQemu() throws IOException {
        Path img = qemuImage("compat=1.1");
        byte[] content = Qemu.raw(img);
        try (TestContext.Opened o = TestContext.openImage(img.toString(), "qcow2", true, true)) {
            Qcow2Image q = (Qcow2Image) o.image();
            q.exclusively(() -> {
                q.refcounts().add(5, -1); // the first data cluster
                q.flushLocked();
            });
        }
        List<String> expected = qemuCheckLines(img);
        CheckResult r = strataCheck(img, RepairMode.NONE);
        assertEquals(expected, r.messages());
        assertEquals(2, r.corruptions());
        // a refcount of 0 under data takes a rebuild, which -r leaks does not do: the check fails, as qemu-img's
        CheckResult leaksOnly = strataCheck(img, RepairMode.LEAKS);
        assertEquals(1, leaksOnly.checkErrors());
        assertEquals("ERROR need to rebuild refcount structures", leaksOnly.messages().get(
                leaksOnly.messages().size() - 1));
        Path copy = dir.resolve("copy.qcow2");
        Files.copy(img, copy);
        JsonObject qemuFixed = Qemu.json(Qemu.run("qemu-img", "check", "-r", "all", "--output=json", copy).stdout());
        CheckResult fixed = strataCheck(img, RepairMode.ALL);
        assertEquals(0, fixed.corruptions(), fixed.toString());
        assertEquals(field(qemuFixed, "corruptions-fixed"), fixed.corruptionsFixed(), fixed.toString());
        Qemu.assertClean(img);
        Path raw = dir.resolve("content.raw");
        Files.write(raw, content);
        Qemu.assertSameContent(img, raw);
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat=1.1", "compat=0.10", "lazy_refcounts=on,refcount_bits=64",
        "compression_type=zstd,extended_l2=on", "DATAFILE,data_file_raw=on", "DATAFILE", "BITMAP"})
    void formatSpecificInfoAgrees(String spec) throws IOException {
        Path img = dir.resolve("i.qcow2");
        String o = spec.replace("DATAFILE", "data_file=" + dir.resolve("i.data")).replace("BITMAP", "compat=1.1");
        Qemu.img("create", "-f", "qcow2", "-o", o, img, "1M");
        if (spec.equals("BITMAP")) {
            Qemu.img("bitmap", "--add", "-g", "128k", img, "bm1");
        }
        JsonObject info = JsonParser.parseString(Qemu.img("info", "--output=json", img)).getAsJsonObject();
        JsonElement expected = info.getAsJsonObject("format-specific").get("data");
        try (FormatAccess a = TestContext.open(img, false)) {
            Map<String, Object> fs = a.info().formatSpecific();
            String strata = new Gson().toJson(fs);
            assertEquals(expected.toString(), strata);
            assertEquals(info.get("cluster-size").getAsLong(), a.info().clusterSize());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "compat=0.10", "cluster_size=4k,refcount_bits=8,lazy_refcounts=on",
        "preallocation=metadata,extended_l2=on", "compression_type=zstd,compat=v3", "DATAFILE,data_file_raw=on",
        "BACKING", "extended_l2=yes,lazy_refcounts=true,preallocation=full", "cluster_size=512", "cluster_size=8k"})
    void createPrintsWhatQemuPrints(String spec) throws IOException {
        String o = spec.replace("DATAFILE", "data_file=" + dir.resolve("d.data"));
        List<String> args = new ArrayList<>(List.of("create", "-f", "qcow2"));
        String backing = null;
        if (spec.equals("BACKING")) {
            Qemu.img("create", "-f", "qcow2", dir.resolve("b.qcow2"), "3M");
            args.addAll(List.of("-b", "b.qcow2", "-F", "qcow2"));
            o = "";
            backing = "b.qcow2";
        }
        if (!o.isEmpty()) {
            args.addAll(List.of("-o", o));
        }
        Path q = dir.resolve("q.qcow2");
        args.add(q.toString());
        if (backing == null) {
            args.add("2M");
        }
        String line = QemuTools.run(withCwd(args)).stdout().trim();
        Path s = dir.resolve("s.qcow2");
        Map<String, String> printed = TestImages.create(s, new CreateRequest(backing == null ? 2 << 20 : -1,
                StrataImagesQemuCheckTest.options(o.replace("d.data", "e.data")), backing, backing == null ? null
                : "qcow2", true));
        String mine = "Formatting '" + q + "', fmt=qcow2 " + printed.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        assertEquals(line, mine.replace("e.data", "d.data"));
        Qemu.assertClean(s);
        assertEquals(Qemu.json(Qemu.img("info", "--output=json", q)).get("format-specific").toString(),
                Qemu.json(Qemu.img("info", "--output=json", s)).get("format-specific").toString()
                        .replace("e.data", "d.data"));
        if (!spec.contains("DATAFILE") && !spec.contains("preallocation")) {
            // The same layout: header cluster (with the same extensions), refcount table and block, L1, L2s.
            byte[] qh = java.util.Arrays.copyOf(Files.readAllBytes(q), 512);
            byte[] sh = java.util.Arrays.copyOf(Files.readAllBytes(s), 512);
            assertEquals(java.util.HexFormat.of().formatHex(qh), java.util.HexFormat.of().formatHex(sh));
            assertEquals(Files.size(q), Files.size(s), "file size");
        }
    }

    /** qemu-img resolves -b relative to the new image; run it from the test directory to be sure. */
    private List<String> withCwd(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "cd \"$0\" && exec qemu-img \"$@\"",
                dir.toString()));
        cmd.addAll(args);
        return cmd;
    }

    @Test
    void invalidOptionsFailWithQemuWording() {
        String[][] cases = {
            {"foo=1", "Invalid parameter 'foo'"},
            {"cluster_size=1000", "Cluster size must be a power of two between 512 and 2048k"},
            {"compat=2", "Parameter 'version' does not accept value '2'"},
            {"refcount_bits=3", "Refcount width must be a power of two and may not exceed 64 bits"},
            {"lazy_refcounts=maybe", "Parameter 'lazy_refcounts' expects 'on' or 'off'"},
            {"extended_l2=on,cluster_size=4k",
                "Extended L2 entries are only supported with cluster sizes of at least 16384 bytes"},
            {"compression_type=lz4", "Parameter 'compression-type' does not accept value 'lz4'"},
            {"data_file_raw=on", "data-file-raw requires data-file"},
            {"preallocation=bogus", "Parameter 'preallocation' does not accept value 'bogus'"},
        };
        for (String[] c : cases) {
            Path p = dir.resolve("bad.qcow2");
            QemuTools.Result q = Qemu.run("qemu-img", "create", "-f", "qcow2", "-o", c[0], p, "1M");
            assertTrue(q.stderr().contains(c[1]), "qemu says: " + q.stderr());
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> TestImages.create(p, 1 << 20, StrataImagesQemuCheckTest.options(c[0])));
            assertEquals(c[1], e.getMessage());
        }
    }

    @Test
    void snapshotsMadeByStrataAgreeWithQemu() throws IOException {
        Path img = qemuImage("compat=1.1");
        byte[] before = Qemu.raw(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            a.createSnapshot("first");
            a.write(Patterns.filled(200_000, 0x71), 10_000);
            a.writeZeroes(1 << 20, 65536);
            a.createSnapshot("second");
            a.write(Patterns.filled(5000, 0x72), 3 << 20);
        }
        Qemu.assertClean(img);
        String list = Qemu.img("snapshot", "-l", img);
        assertTrue(list.contains("first") && list.contains("second"), list);
        JsonObject info = Qemu.json(Qemu.img("info", "--output=json", img));
        List<SnapshotInfo> mine;
        try (FormatAccess a = TestContext.open(img, false)) {
            mine = a.snapshots();
        }
        assertEquals(info.getAsJsonArray("snapshots").size(), mine.size());
        for (int i = 0; i < mine.size(); i++) {
            JsonObject s = info.getAsJsonArray("snapshots").get(i).getAsJsonObject();
            assertEquals(s.get("id").getAsString(), mine.get(i).id());
            assertEquals(s.get("name").getAsString(), mine.get(i).name());
            assertEquals(s.get("date-sec").getAsLong(), mine.get(i).dateSec());
            assertEquals(s.get("date-nsec").getAsLong(), mine.get(i).dateNsec());
        }
        try (FormatAccess a = TestContext.open(img, true)) {
            a.applySnapshot("first");
            assertEquals(-1, Patterns.firstDifference(before, 0, Qemu.readAll(a), 0, before.length));
            a.deleteSnapshot("second");
            a.write(Patterns.filled(4096, 0x73), 0);
        }
        Qemu.assertClean(img);
        assertTrue(!Qemu.img("snapshot", "-l", img).contains("second"));
        Qemu.img("snapshot", "-a", "first", img);
        Path raw = dir.resolve("before.raw");
        Files.write(raw, before);
        Qemu.assertSameContent(img, raw);
        try (FormatAccess a = TestContext.open(img, true)) {
            a.deleteSnapshot("1");
            assertEquals(0, a.snapshots().size());
        }
        Qemu.assertClean(img);
    }

    /** A snapshot loaded into an image open read-only reads as qemu-img convert -l reads it; nothing is written. */
    @ParameterizedTest
    @ValueSource(strings = {"compat=1.1", "extended_l2=on,cluster_size=16k"})
    void aLoadedSnapshotReadsAsQemuImgConvertsIt(String options) throws IOException {
        Path img = qemuImage(options);
        Qemu.img("snapshot", "-c", "one", img);
        Qemu.io("-c", "write -P 0x41 0 1M", "-c", "write -z 3M 64k", img);
        Qemu.img("resize", img, "6M");
        Qemu.io("-c", "write -P 0x42 5M 64k", img);
        Path expected = dir.resolve("one.raw");
        Qemu.img("convert", "-O", "raw", "-l", "one", img, expected);
        byte[] before = Files.readAllBytes(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            IOException writable = assertThrows(IOException.class, () -> a.loadSnapshot("1", null));
            assertEquals("Device '' is writable", writable.getMessage());
        }
        try (FormatAccess a = TestContext.open(img, false)) {
            IOException missing = assertThrows(IOException.class, () -> a.loadSnapshot("1", "two"));
            assertEquals("Can't find snapshot", missing.getMessage());
            a.loadSnapshot(null, "one");
            assertEquals(6L << 20, a.size());
            assertEquals(-1, Patterns.firstDifference(Files.readAllBytes(expected), 0, Qemu.readAll(a), 0,
                    6 << 20));
        }
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(img)), "the image changed");
    }

    @Test
    void snapshotsMadeByQemuCanBeAppliedAndDeleted() throws IOException {
        Path img = qemuImage("extended_l2=on");
        byte[] before = Qemu.raw(img);
        Qemu.img("snapshot", "-c", "q1", img);
        Qemu.io("-c", "write -P 0x31 0 1M", img);
        try (FormatAccess a = TestContext.open(img, true)) {
            a.applySnapshot("q1");
            assertEquals(-1, Patterns.firstDifference(before, 0, Qemu.readAll(a), 0, before.length));
            a.write(Patterns.filled(70_000, 0x32), 12_345);
        }
        Qemu.assertClean(img);
        try (FormatAccess a = TestContext.open(img, true)) {
            a.deleteSnapshot("q1");
        }
        Qemu.assertClean(img);
        assertEquals(0, Qemu.json(Qemu.img("info", "--output=json", img)).has("snapshots")
                ? Qemu.json(Qemu.img("info", "--output=json", img)).getAsJsonArray("snapshots").size() : 0);
    }
}
