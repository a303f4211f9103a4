package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.testkit.QemuTools;

/**
 * image:bitmap against qemu-img bitmap 7.2 (Strata had no bitmap command): the same steps on copies of one image
 * give the same status and messages, and images that qemu-img check finds clean, with the same bitmaps (name,
 * granularity, flags) in qemu-img info, in JSON and in text, and the same dirty bits as QEMU reads them (qemu-nbd's
 * qemu:dirty-bitmap context through nbdinfo), while QEMU and Strata write to the images in between.
 */
class BitmapInteropTest {

    @TempDir
    Path dir;
    Qemu q;
    Shell shell;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        shell = new Shell(dir);
        for (String image : List.of("theirs.qcow2", "ours.qcow2")) {
            q.img("create", "-q", "-f", "qcow2", image, "4M");
            q.io("-c", "write -P 1 0 64k", "-c", "write -P 2 2M 64k", image);
        }
    }

    /** One qemu-img bitmap step on theirs.qcow2 and the same image:bitmap on ours.qcow2 (IMG in args). */
    private void step(String... args) {
        QemuTools.Result theirs = q.run(Qemu.concat(List.of("qemu-img", "bitmap"), with(args, "theirs.qcow2")));
        Shell.Result ours = shell.run("image:bitmap", with(args, "ours.qcow2"));
        String what = List.of(args) + "\n" + ours.out() + ours.err();
        assertEquals(theirs.exitCode(), ours.status(), what);
        assertEquals(theirs.stdout(), ours.out(), what);
        Qemu.assertSameError(theirs.stderr().replace("theirs.qcow2", "ours.qcow2"), ours.err(), "image:bitmap");
        assertSameBitmaps(what);
    }

    /** Both images: clean, the same bitmaps, and QEMU reads the same dirty bits from each. */
    private void assertSameBitmaps(String what) {
        q.assertClean("ours.qcow2");
        JsonElement theirs = bitmaps("theirs.qcow2");
        assertEquals(theirs, bitmaps("ours.qcow2"), what);
        assertEquals(bitmapText("theirs.qcow2"), bitmapText("ours.qcow2"), what);
        if (theirs == null) {
            return;
        }
        for (JsonElement b : theirs.getAsJsonArray()) {
            String name = b.getAsJsonObject().get("name").getAsString();
            assertEquals(dirtyMap("theirs.qcow2", name), dirtyMap("ours.qcow2", name), what + " bitmap " + name);
        }
    }

    private JsonElement bitmaps(String image) {
        JsonObject info = JsonParser.parseString(q.img("info", "--output=json", image)).getAsJsonObject();
        return info.getAsJsonObject("format-specific").getAsJsonObject("data").get("bitmaps");
    }

    private List<String> bitmapText(String image) {
        List<String> lines = new ArrayList<>(q.img("info", image).lines().toList());
        int start = lines.indexOf("    bitmaps:");
        return start < 0 ? List.of() : lines.subList(start, lines.indexOf("    refcount bits: 16"));
    }

    /** The bitmap's dirty ranges as QEMU reads them: qemu-nbd -B exports them, nbdinfo lists them. */
    private String dirtyMap(String image, String bitmap) {
        return q.ok("nbdinfo", "--map=qemu:dirty-bitmap:" + bitmap, "--", "[", "qemu-nbd", "-r", "-f", "qcow2", "-B",
                bitmap, image, "]");
    }

    private static String[] with(String[] args, String image) {
        return List.of(args).stream().map(a -> a.replace("IMG", image)).toArray(String[]::new);
    }

    private void writeBoth(String command) {
        q.io("-c", command, "theirs.qcow2");
        shell.run("image:io", "-c", command, "ours.qcow2").ok();
    }

    @Test
    void stepsGiveQemuImgsBitmaps() {
        step("--add", "IMG", "b1");
        // QEMU records writes in a bitmap Strata made, and Strata in one it made
        q.io("-c", "write 64k 4k", "-c", "write 1M 200k", "theirs.qcow2");
        q.io("-c", "write 64k 4k", "-c", "write 1M 200k", "ours.qcow2");
        assertSameBitmaps("written by qemu-io");
        writeBoth("write -P 3 3M 100k");
        assertSameBitmaps("written by each");
        step("--add", "-g", "128k", "--disable", "IMG", "b2");
        step("-g", "512", "--add", "IMG", "b3");
        step("--merge", "b1", "IMG", "b2");
        step("--merge", "b2", "IMG", "b3");
        writeBoth("write -z 3900k 4k");
        step("--enable", "IMG", "b2");
        step("--disable", "IMG", "b1");
        writeBoth("write 512 1k");
        step("--clear", "IMG", "b1");
        step("--remove", "IMG", "b3");
        step("--remove", "--add", "-g", "1M", "IMG", "b1");
        step("--add", "IMG", "b3");
        step("--merge", "b2", "--disable", "--merge", "b2", "--clear", "--enable", "IMG", "b3");
        for (String name : List.of("b1", "b2", "b3")) {
            step("--remove", "IMG", name);
        }
        step("--add", "IMG", "again");
    }

    @Test
    void mergeFromAnotherImage() {
        q.img("create", "-q", "-f", "qcow2", "other.qcow2", "4M");
        q.img("bitmap", "--add", "-g", "4k", "other.qcow2", "x");
        q.io("-c", "write 4k 4k", "-c", "write 3M 1M", "-c", "write 2047k 4k", "other.qcow2");
        q.img("create", "-q", "-f", "qcow2", "larger.qcow2", "8M");
        q.img("bitmap", "--add", "larger.qcow2", "x");
        step("--add", "IMG", "b");
        // bitmaps of images of different sizes cannot be merged
        step("--merge", "x", "-b", "larger.qcow2", "IMG", "b");
        step("--merge", "x", "-b", "other.qcow2", "-F", "qcow2", "IMG", "b");
        step("--merge", "x", "-b", "other.qcow2", "IMG", "b");
        step("--merge", "nope", "-b", "other.qcow2", "IMG", "b");
    }

    @Test
    void refusesWhatQemuImgRefuses() {
        step("--add", "IMG", "b1");
        for (List<String> args : List.of(List.of("--add", "IMG", "b1"), List.of("--remove", "IMG", "nope"),
                List.of("--clear", "IMG", "nope"), List.of("--enable", "IMG", "nope"),
                List.of("--disable", "IMG", "nope"), List.of("--merge", "nope", "IMG", "b1"),
                List.of("-g", "1000", "--add", "IMG", "b2"), List.of("-g", "256", "--add", "IMG", "b2"),
                List.of("-g", "4G", "--add", "IMG", "b2"), List.of("-g", "1k", "--remove", "IMG", "b1"),
                List.of("IMG", "b1"), List.of("--add", "IMG"), List.of("--add", "IMG", "b1", "b2"),
                List.of("-b", "x", "--add", "IMG", "b3"), List.of("-F", "qcow2", "--merge", "b1", "IMG", "b3"),
                List.of("--add", "IMG", ""), List.of("-g", "-5", "--add", "IMG", "x"),
                List.of("-g", "1x", "--add", "IMG", "x"), List.of("--add", "--add", "IMG", "b4"),
                List.of("--add", "--remove", "--remove", "IMG", "b5"))) {
            step(args.toArray(String[]::new));
        }
    }
}
