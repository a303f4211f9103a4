package org.strata.nbd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.strata.api.FormatAccess;
import org.strata.core.image.DriverLookup;
import org.strata.core.image.ImageOpener;
import org.strata.core.image.OpenRequest;
import org.strata.core.ops.Extent;
import org.strata.format.qcow2.Qcow2FormatDriver;
import org.strata.format.raw.RawFormatDriver;
import org.strata.nbd.protocol.Nbd;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.QemuTools;
import org.strata.testkit.TestEngines;

/**
 * Block status describes exactly the image's extents. Seeded random writes, zero writes (with and without
 * holes) and discards go through the export from qemu-io; then what the export reports for both contexts, over
 * the whole disk (nbdinfo --map) and for queries at odd offsets and lengths (libnbd), must be the engine's
 * extents of the same image ({@link Extent#above}, what image:map and convert decide on), what qemu-img map
 * finds in the file, and what qemu-nbd serves of the file. Every failure names the seed and the layout; more
 * seeds: {@code -Dblockstatus.seeds=4,5,6}.
 */
class BlockStatusAgreementTest {

    /** Not a whole number of clusters: the last one is partial. */
    private static final long SIZE = (2 << 20) - 1536;
    private static final int OPS = 48;
    private static final int QUERIES = 40;
    private static final String BASE = "base:allocation";
    private static final String DEPTH = "qemu:allocation-depth";

    @TempDir
    Path dir;

    /**
     * A qcow2 layout: with a backing file shorter than the disk (ending inside a cluster) when {@code backing};
     * with metadata preallocated (where QEMU reports the file's holes under data as zeroes) when {@code prealloc}.
     */
    record Layout(int clusterSize, boolean extendedL2, boolean backing, boolean prealloc) {
        String options() {
            return "cluster_size=" + clusterSize + ",extended_l2=" + (extendedL2 ? "on" : "off")
                    + (prealloc ? ",preallocation=metadata" : "");
        }

        @Override
        public String toString() {
            return options() + (backing ? ", with backing file" : "");
        }
    }

    static Stream<Arguments> cases() {
        List<Layout> layouts = List.of(new Layout(4096, false, false, false), new Layout(65536, false, false, false),
                new Layout(65536, true, false, false), new Layout(32768, true, false, false),
                new Layout(65536, false, true, false), new Layout(16384, true, true, false),
                new Layout(65536, false, false, true), new Layout(32768, true, false, true));
        List<Arguments> all = new ArrayList<>();
        for (String seed : System.getProperty("blockstatus.seeds", "1,2,3").split(",")) {
            for (Layout l : layouts) {
                all.add(Arguments.of(Long.parseLong(seed.trim()), l));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @MethodSource("cases")
    void exportAgreesWithTheImage(long seed, Layout layout) throws IOException {
        String what = "seed " + seed + ", " + layout;
        Random random = new Random(seed);
        Path disk = createImage(layout, random);
        List<String> queries = queries(random);

        Runs engine;
        Runs strataMap;
        JsonObject strataReplies;
        try (NbdTestServer nbd = new NbdTestServer()) {
            FormatAccess image = nbd.export("disk", open(disk), true);
            List<String> io = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
            for (String op : operations(random, layout)) {
                io.add("-c");
                io.add(op);
            }
            io.addAll(List.of("-c", "flush", nbd.url("disk")));
            String out = QemuTools.run(io).ok();
            assertFalse(out.contains("failed"), what + ": qemu-io: " + out);
            engine = Runs.ofEngine(image);
            strataMap = Runs.ofNbdinfo(List.of(nbd.url("disk")));
            strataReplies = libnbd(queries, List.of(nbd.url("disk")));
        }
        assertEquals(text(engine.base), text(strataMap.base),
                what + ": nbdinfo --map of the export against the engine's extents");
        assertEquals(text(engine.depth), text(strataMap.depth),
                what + ": nbdinfo --map=qemu:allocation-depth of the export against the engine's extents");
        checkReplies("the export", what, engine, strataReplies);

        assertEquals(text(engine.base), text(Runs.ofQemuImgMap(disk)),
                what + ": qemu-img map of the file against the engine's extents");
        List<String> qemuNbd = List.of("qemu-nbd", "-r", "-A", "-f", "qcow2", disk.toString());
        Runs qemuMap = Runs.ofNbdinfo(qemuNbd);
        assertEquals(text(qemuMap.base), text(strataMap.base), what + ": nbdinfo --map: qemu-nbd against Strata");
        assertEquals(text(qemuMap.depth), text(strataMap.depth),
                what + ": qemu:allocation-depth: qemu-nbd against Strata");
        checkReplies("qemu-nbd", what, engine, libnbd(queries, qemuNbd));
    }

    private Path createImage(Layout layout, Random random) {
        Path disk = dir.resolve("disk.qcow2");
        List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o",
                layout.options()));
        if (layout.backing) {
            Path base = dir.resolve("base.qcow2");
            QemuTools.qemuImg("create", "-q", "-f", "qcow2", base.toString(), String.valueOf(SIZE * 3 / 4 + 1536));
            List<String> io = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
            for (int i = 0; i < 8; i++) {
                long offset = random.nextInt((int) (SIZE * 3 / 4 / 512)) * 512L;
                long length = Math.min(1 + random.nextInt(128 << 10), SIZE * 3 / 4 - offset);
                io.addAll(List.of("-c", (i % 3 == 2 ? "write -z " : "write -P " + (1 + i) + " ") + offset + " "
                        + length));
            }
            io.add(base.toString());
            QemuTools.run(io).ok();
            create.addAll(List.of("-b", base.toString(), "-F", "qcow2"));
        }
        create.add(disk.toString());
        create.add(String.valueOf(SIZE));
        QemuTools.run(create).ok();
        return disk;
    }

    /** Random qemu-io commands: writes, zero writes that may or may not leave holes, discards; offsets odd at times. */
    private static List<String> operations(Random random, Layout layout) {
        long[] grains = {1, 512, 4096, layout.clusterSize / (layout.extendedL2 ? 32 : 1), layout.clusterSize};
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < OPS; i++) {
            long grain = grains[random.nextInt(grains.length)];
            long offset = random.nextLong(SIZE / grain) * grain;
            long length = Math.min(SIZE - offset, (1 + random.nextLong(4 * layout.clusterSize / grain + 1)) * grain);
            String range = " " + offset + " " + length;
            ops.add(switch (random.nextInt(4)) {
                case 0 -> "write -z" + range;
                case 1 -> "write -z -u" + range;
                case 2 -> "discard" + range;
                default -> "write -P " + (1 + random.nextInt(255)) + range;
            });
        }
        return ops;
    }

    /** Block status queries: odd offsets and lengths, some asking for one extent only. */
    private static List<String> queries(Random random) {
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < QUERIES; i++) {
            long offset = random.nextLong(SIZE);
            long length = 1 + (random.nextBoolean() ? random.nextLong(SIZE - offset) : random.nextLong(
                    Math.min(SIZE - offset, 70_000)));
            queries.add(offset + ":" + length + (random.nextInt(4) == 0 ? ":one" : ""));
        }
        return queries;
    }

    private FormatAccess open(Path disk) throws IOException {
        ImageOpener opener = new ImageOpener(DriverLookup.of(List.of(new Qcow2FormatDriver(), new RawFormatDriver()),
                List.of(new FileStorageDriver())), List.of(), null, TestEngines.ioThreads());
        return opener.open(disk.toString(), OpenRequest.in(dir).format("qcow2").writable(true).build());
    }

    /** Runs the libnbd client script with {@code queries} against a URI or a server command. */
    private JsonObject libnbd(List<String> queries, List<String> target) throws IOException {
        Path script = dir.resolve("blockstatus.py");
        if (!Files.exists(script)) {
            try (InputStream in = getClass().getResourceAsStream("/blockstatus.py")) {
                Files.copy(in, script);
            }
        }
        // libnbd's Python binding is installed for Debian's interpreter only
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        cmd.addAll(queries);
        cmd.add("--");
        cmd.addAll(target);
        return JsonParser.parseString(QemuTools.run(cmd).ok()).getAsJsonObject();
    }

    /**
     * Each reply describes its range as the expected runs do: every extent's flags hold for all of it (as far as
     * it lies in the range); together they cover the range, or with REQ_ONE one extent covers the first run.
     */
    private static void checkReplies(String server, String what, Runs expected, JsonObject result) {
        JsonArray contexts = result.getAsJsonArray("contexts");
        assertEquals(2, contexts.size(), what + ": " + server + " offers both contexts");
        for (JsonElement e : result.getAsJsonArray("replies")) {
            JsonObject reply = e.getAsJsonObject();
            long offset = reply.get("offset").getAsLong();
            long end = offset + reply.get("length").getAsLong();
            boolean one = reply.get("one").getAsBoolean();
            for (String context : List.of(BASE, DEPTH)) {
                String query = what + ": " + server + ", " + context + " at " + offset + " for " + (end - offset)
                        + (one ? " (REQ_ONE)" : "") + ": " + reply.get("extents");
                List<long[]> runs = context.equals(BASE) ? expected.base : expected.depth;
                JsonArray extents = reply.getAsJsonObject("extents").getAsJsonArray(context);
                assertTrue(extents.size() > 0 && (!one || extents.size() == 1), query);
                long pos = offset;
                for (JsonElement x : extents) {
                    long length = x.getAsJsonArray().get(0).getAsLong();
                    long flags = x.getAsJsonArray().get(1).getAsLong();
                    assertTrue(length > 0 && pos < end, query);
                    long[] run = Runs.at(runs, pos);
                    long to = Math.min(pos + length, end);
                    assertEquals(run[2], flags, query + ": flags at " + pos);
                    assertTrue(to <= run[0] + run[1], query + ": the extent at " + pos + " runs past " + (run[0]
                            + run[1]) + ", where the status changes");
                    pos = to;
                }
                long wanted = one ? Math.min(end, Runs.at(runs, offset)[0] + Runs.at(runs, offset)[1]) : end;
                assertEquals(wanted, pos, query + ": the reply ends short");
            }
        }
    }

    /** Runs of equal status over the whole disk, {offset, length, flags}, adjacent runs always differing. */
    record Runs(List<long[]> base, List<long[]> depth) {

        static Runs ofEngine(FormatAccess image) throws IOException {
            List<long[]> base = new ArrayList<>();
            List<long[]> depth = new ArrayList<>();
            for (long pos = 0; pos < image.size(); ) {
                Extent e = Extent.above(image, pos, image.size() - pos);
                add(base, pos, e.length(), (e.data() ? 0 : Nbd.STATE_HOLE) | (e.zero() ? Nbd.STATE_ZERO : 0));
                add(depth, pos, e.length(), e.allocated() ? e.depth() + 1 : 0);
                pos += e.length();
            }
            return new Runs(base, depth);
        }

        /** nbdinfo --map of both contexts, from a URI or a server command (socket activation). */
        static Runs ofNbdinfo(List<String> target) {
            return new Runs(nbdinfo("--map", target), nbdinfo("--map=" + DEPTH, target));
        }

        private static List<long[]> nbdinfo(String map, List<String> target) {
            List<String> cmd = new ArrayList<>(List.of("nbdinfo", "--json", map));
            if (target.size() == 1) {
                cmd.add(target.get(0));
            } else {
                cmd.addAll(List.of("--", "["));
                cmd.addAll(target);
                cmd.add("]");
            }
            List<long[]> runs = new ArrayList<>();
            for (JsonElement e : JsonParser.parseString(QemuTools.run(cmd).ok()).getAsJsonArray()) {
                JsonObject o = e.getAsJsonObject();
                add(runs, o.get("offset").getAsLong(), o.get("length").getAsLong(), o.get("type").getAsLong());
            }
            return runs;
        }

        /** base:allocation's flags from qemu-img map's data and zero. */
        static List<long[]> ofQemuImgMap(Path image) {
            List<long[]> runs = new ArrayList<>();
            String json = QemuTools.qemuImg("map", "--output=json", image.toString());
            for (JsonElement e : JsonParser.parseString(json).getAsJsonArray()) {
                JsonObject o = e.getAsJsonObject();
                long flags = (o.get("data").getAsBoolean() ? 0 : Nbd.STATE_HOLE)
                        | (o.get("zero").getAsBoolean() ? Nbd.STATE_ZERO : 0);
                add(runs, o.get("start").getAsLong(), o.get("length").getAsLong(), flags);
            }
            return runs;
        }

        private static void add(List<long[]> runs, long offset, long length, long flags) {
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            assertEquals(last == null ? 0 : last[0] + last[1], offset, "runs follow each other");
            if (last != null && last[2] == flags) {
                last[1] += length;
            } else {
                runs.add(new long[] {offset, length, flags});
            }
        }

        /** The run holding {@code offset}. */
        static long[] at(List<long[]> runs, long offset) {
            for (long[] r : runs) {
                if (offset < r[0] + r[1]) {
                    return r;
                }
            }
            throw new AssertionError("no run at " + offset);
        }
    }

    /** Runs as text, so that assertEquals shows where two lists differ. */
    private static String text(List<long[]> runs) {
        StringBuilder sb = new StringBuilder();
        for (long[] r : runs) {
            sb.append(r[0]).append('+').append(r[1]).append(':').append(r[2]).append('\n');
        }
        return sb.toString();
    }
}
