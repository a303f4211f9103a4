package org.strata.format.qcow2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.strata.api.FormatAccess;
import org.strata.api.Mapping;
import org.strata.testkit.QemuTools;

/** The QEMU tools as the interop tests use them, and comparisons of Strata's view with theirs. */
final class Qemu {

    private Qemu() {
    }

    static String img(Object... args) {
        return QemuTools.qemuImg(args);
    }

    static String io(Object... args) {
        return QemuTools.qemuIo(args);
    }

    static QemuTools.Result run(Object... args) {
        return QemuTools.run(args);
    }

    /** The guest content as qemu-img convert -O raw gives it. */
    static byte[] raw(Path image) {
        Path out = image.resolveSibling(image.getFileName() + ".expected.raw");
        img("convert", "-O", "raw", image, out);
        return QemuTools.readFile(out);
    }

    static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    static JsonObject check(Path image) {
        QemuTools.Result r = run("qemu-img", "check", "--output=json", image);
        if (r.exitCode() != 0 && r.exitCode() != 2 && r.exitCode() != 3) {
            fail("qemu-img check failed: " + r.stderr());
        }
        return json(r.stdout());
    }

    /** Fails unless qemu-img check finds neither corruptions nor leaks. */
    static void assertClean(Path image) {
        QemuTools.Result r = run("qemu-img", "check", "--output=json", image);
        if (r.exitCode() != 0) {
            fail("qemu-img check of " + image + " exited " + r.exitCode() + ":\n" + r.stdout() + r.stderr()
                    + run("qemu-img", "check", image).stderr());
        }
    }

    /** Fails unless qemu-img compare finds the two images equal. */
    static void assertSameContent(Path qcow2, Path raw) {
        QemuTools.Result r = run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow2, raw);
        if (r.exitCode() != 0) {
            fail("qemu-img compare " + qcow2 + " " + raw + ": " + r.stdout() + r.stderr());
        }
    }

    /** Fails unless qemu-img check finds the image clean and qemu-img compare finds it holds {@code content}. */
    static void assertCleanHolding(Path image, byte[] content) throws IOException {
        assertClean(image);
        Path raw = image.resolveSibling(image.getFileName() + ".expected.raw");
        Files.write(raw, content);
        assertSameContent(image, raw);
    }

    static byte[] readAll(FormatAccess a) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) a.size());
        a.read(b, 0);
        return b.array();
    }

    /** One entry of qemu-img map --output=json. */
    record MapEntry(long start, long length, int depth, boolean present, boolean zero, boolean data, Long offset) {
    }

    static List<MapEntry> map(Path image) {
        JsonArray arr = JsonParser.parseString(img("map", "--output=json", image)).getAsJsonArray();
        List<MapEntry> out = new ArrayList<>();
        for (JsonElement e : arr) {
            JsonObject o = e.getAsJsonObject();
            out.add(new MapEntry(o.get("start").getAsLong(), o.get("length").getAsLong(), o.get("depth").getAsInt(),
                    o.get("present").getAsBoolean(), o.get("zero").getAsBoolean(), o.get("data").getAsBoolean(),
                    o.has("offset") ? o.get("offset").getAsLong() : null));
        }
        return out;
    }

    /**
     * Fails unless Strata's resolved mappings agree with qemu-img map: data where it says data (at the same
     * depth, and at the same host offset), zeroes or unallocated elsewhere.
     */
    static void assertMapAgrees(Path image, FormatAccess a) throws IOException {
        for (MapEntry e : map(image)) {
            long pos = e.start();
            long end = e.start() + e.length();
            while (pos < end) {
                Mapping m = a.getMapping(pos, end - pos);
                String where = image + " at " + pos + " (qemu: " + e + ", strata: " + m + ")";
                boolean data = m instanceof Mapping.Raw || m instanceof Mapping.Special;
                assertEquals(e.data(), data, "data flag " + where);
                if (e.data()) {
                    assertEquals(e.depth(), m.depth(), "depth " + where);
                    if (m instanceof Mapping.Raw r && e.offset() != null) {
                        assertEquals(e.offset() + (pos - e.start()), r.offset(), "host offset " + where);
                    }
                } else if (m instanceof Mapping.Zero z) {
                    if (!e.present()) {
                        assertEquals(false, z.explicit(), "explicit zero " + where);
                    }
                }
                pos += m.length();
            }
        }
    }
}
