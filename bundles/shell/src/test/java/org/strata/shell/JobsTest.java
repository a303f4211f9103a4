package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.agent.Mode;

/**
 * Issue 4: long operations (convert, commit, rebase, stream) started with --job run in the daemon's background:
 * job:list shows their progress, job:wait waits for them, job:cancel stops them at a consistent point. A cancelled
 * commit or stream loses nothing: every image passes qemu-img check and the top reads as before.
 */
class JobsTest {

    private static final Pattern STARTED = Pattern.compile("Job ([0-9]+) started: .*\n");

    @TempDir
    Path dir;
    /** Where qemu-img does the same operation on a copy. */
    @TempDir
    Path copy;
    Qemu q;
    Shell daemon;

    @BeforeEach
    void setUp() {
        q = new Qemu(dir);
        daemon = new Shell(dir, Mode.DAEMON, List.of());
        q.img("create", "-q", "-f", "qcow2", "base.qcow2", "8M");
        q.io("-c", "write -P 1 0 8M", "base.qcow2");
        q.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2");
        q.io("-c", "write -P 2 0 3M", "-c", "write -P 3 4M 3M", "-c", "write -z 7M 64k", "top.qcow2");
        q.img("convert", "-O", "raw", "top.qcow2", "before.raw");
    }

    private int start(String command, String... args) {
        Shell.Result r = daemon.run(command, args).ok();
        Matcher m = STARTED.matcher(r.out());
        assertTrue(m.matches(), r.out());
        return Integer.parseInt(m.group(1));
    }

    /** The job's line in job:list. */
    private String listed(int id) {
        String out = daemon.run("job:list").ok().out();
        assertTrue(out.matches("(?s)ID +TYPE +STATE +DONE +DESCRIPTION\n.*"), out);
        return out.lines().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    /** Waits until job:list shows the running job has done some but not all of its work. */
    private double waitForProgress(int id) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            String line = listed(id);
            Matcher m = Pattern.compile("^[0-9]+ +\\w+ +running +([0-9.]+)%").matcher(line);
            if (m.find() && Double.parseDouble(m.group(1)) > 0) {
                return Double.parseDouble(m.group(1));
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no progress: " + listed(id));
    }

    @Test
    void jobsRunInTheBackgroundAndWaitReturnsTheirOutcome() {
        int convert = start("image:convert", "--job", "-O", "qcow2", "top.qcow2", "copy.qcow2");
        Shell.Result waited = daemon.run("job:wait", String.valueOf(convert));
        assertEquals(0, waited.status(), waited.out() + waited.err());
        assertTrue(waited.out().matches(convert + " +convert +completed +100\\.00%  top.qcow2 -> copy.qcow2\n"),
                waited.out());
        q.assertClean("copy.qcow2");
        q.assertSameContent("copy.qcow2", "before.raw");

        int rebase = start("image:rebase", "--job", "-b", "", "top.qcow2");
        assertEquals(0, daemon.run("job:wait", String.valueOf(rebase)).status());
        q.assertClean("top.qcow2");
        q.assertSameContent("top.qcow2", "before.raw");
        assertTrue(!q.img("info", "top.qcow2").contains("backing file"));

    }

    @Test
    void commitAsAJobShowsProgressAndEmptiesTheTopAsQemuImgDoes() throws Exception {
        Qemu.copyTree(dir, copy);
        int id = start("image:commit", "--job", "-r", "8M", "top.qcow2");
        double progress = waitForProgress(id);
        assertTrue(progress > 0 && progress < 100, "progress " + progress);
        assertEquals(0, daemon.run("job:wait", "--timeout", "60", String.valueOf(id)).status());
        new Qemu(copy).img("commit", "top.qcow2");
        for (String image : List.of("top.qcow2", "base.qcow2")) {
            q.assertClean(image);
            q.assertSameContent(image, copy.resolve(image).toString());
            assertEquals(Chains.mapWithoutOffsets(q.img("map", "--output=json", copy.resolve(image).toString())),
                    Chains.mapWithoutOffsets(q.img("map", "--output=json", image)));
        }
    }

    @Test
    void aCancelledCommitLosesNothing() throws Exception {
        int id = start("image:commit", "--job", "-r", "1M", "top.qcow2");
        waitForProgress(id);
        assertEquals("Job " + id + " cancellation requested\n", daemon.run("job:cancel", String.valueOf(id)).ok().out());
        Shell.Result r = daemon.run("job:wait", "--timeout", "30", String.valueOf(id));
        assertEquals(1, r.status());
        assertTrue(r.out().contains(" cancelled "), r.out());
        q.assertClean("top.qcow2");
        q.assertClean("base.qcow2");
        q.assertSameContent("top.qcow2", "before.raw");
        assertTrue(q.img("info", "top.qcow2").contains("backing file: base.qcow2"));
        // committing again finishes the work
        daemon.run("image:commit", "top.qcow2").ok();
        q.assertSameContent("base.qcow2", "before.raw");
        q.assertSameContent("top.qcow2", "before.raw");
    }

    @Test
    void aCancelledStreamLosesNothingAndKeepsTheBackingFile() throws Exception {
        int id = start("image:stream", "--job", "-r", "1M", "top.qcow2");
        waitForProgress(id);
        daemon.run("job:cancel", String.valueOf(id)).ok();
        assertEquals(1, daemon.run("job:wait", "--timeout", "30", String.valueOf(id)).status());
        assertTrue(listed(id).contains(" cancelled "), listed(id));
        q.assertClean("top.qcow2");
        q.assertClean("base.qcow2");
        q.assertSameContent("top.qcow2", "before.raw");
        assertTrue(q.img("info", "top.qcow2").contains("backing file: base.qcow2"));
        int again = start("image:stream", "--job", "top.qcow2");
        assertEquals(0, daemon.run("job:wait", String.valueOf(again)).status());
        q.assertSameContent("top.qcow2", "before.raw");
        assertTrue(!q.img("info", "top.qcow2").contains("backing file"));
    }

    @Test
    void jobCommandErrors() {
        Shell.Result unknown = daemon.run("job:wait", "99");
        assertEquals(1, unknown.status());
        assertEquals("job:wait: Job 99 not found\n", unknown.err());
        assertEquals(1, daemon.run("job:cancel", "x").status());
        Shell.Result inline = new Shell(dir).run("image:commit", "--job", "top.qcow2");
        assertEquals(1, inline.status());
        assertTrue(inline.err().contains("--job runs the operation in the daemon"), inline.err());
        q.assertSameContent("top.qcow2", "before.raw");
    }
}
