package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.strata.core.agent.Mode;

/**
 * Issue 4 at the command level: a depth-5 chain mixing raw and qcow2, built by qemu-img, read by image:info, map
 * and compare as qemu-img reads it; commit, rebase and stream done by Strata in one copy and by qemu-img in
 * another, with the same guest content and chain structure as the outcome.
 */
class ChainInteropTest {

    /** The chain, built once by qemu-img and copied (holes and all) for each test. */
    @TempDir
    static Path template;

    @TempDir
    Path dir;
    /** Strata works in s/, qemu-img in q/, on the same chain. */
    Shell strata;
    Qemu ours;
    Qemu theirs;
    Qemu both;

    @BeforeAll
    static void buildChain() throws Exception {
        Chains.depthFive(new Qemu(template));
    }

    @BeforeEach
    void setUp() throws Exception {
        ours = new Qemu(dir.resolve("s"));
        theirs = new Qemu(dir.resolve("q"));
        both = new Qemu(dir);
        Qemu.copyTree(template, ours.dir());
        Qemu.copyTree(template, theirs.dir());
        // two layers lie in sub/ and name ../base.raw: a root above them must be allowed to open them directly
        strata = new Shell(ours.dir(), Mode.RUN, List.of(ours.dir().toString()));
    }

    /** Fails unless every layer of the two copies reads the same, maps the same and is clean. */
    private void assertSameOutcome(List<String> layers) {
        for (String layer : layers) {
            both.assertSameContent("s/" + layer, "q/" + layer);
            if (layer.endsWith(".qcow2")) {
                ours.assertClean(layer);
            }
            assertEquals(Chains.mapWithoutOffsets(theirs.img("map", "--output=json", layer)),
                    Chains.mapWithoutOffsets(ours.img("map", "--output=json", layer)), "map of " + layer);
        }
        assertEquals(theirs.chainStructure(layers.get(0)), ours.chainStructure(layers.get(0)),
                "chain of " + layers.get(0));
    }

    @Test
    void infoAndMapOfEveryLayerAreByteIdenticalToQemuImg() {
        for (String layer : Chains.LAYERS) {
            assertEquals(theirs.img("info", "--output=json", layer),
                    strata.run("image:info", "--output=json", layer).ok().out(), layer);
            assertEquals(theirs.img("info", layer), strata.run("image:info", layer).ok().out(), layer);
            assertEquals(theirs.img("info", "--backing-chain", "--output=json", layer),
                    strata.run("image:info", "--backing-chain", "--output=json", layer).ok().out(), layer);
            assertEquals(theirs.img("info", "--backing-chain", layer),
                    strata.run("image:info", "--backing-chain", layer).ok().out(), layer);
            assertEquals(theirs.img("map", "--output=json", layer),
                    strata.run("image:map", "--output=json", layer).ok().out(), layer);
            assertEquals(theirs.img("map", layer), strata.run("image:map", layer).ok().out(), layer);
        }
    }

    @Test
    void mapWithStartAndLengthIsByteIdenticalToQemuImg() {
        for (List<String> range : List.of(List.of("-s", "1M", "-l", "1M"), List.of("-s", "1000", "-l", "70000"),
                List.of("--start-offset=5M"), List.of("-l", "3M"), List.of("-s", "9M"),
                List.of("--max-length=4097", "--start-offset=6291455"))) {
            for (String output : List.of("--output=json", "--output=human")) {
                String[] args = Qemu.concat(range, output, "top.qcow2");
                assertEquals(theirs.img(Qemu.prepend("map", args)), strata.run("image:map", args).ok().out(),
                        range + " " + output);
            }
        }
    }

    @Test
    void compareAgreesWithQemuImgAcrossFormatsAndChains() {
        theirs.img("convert", "-O", "raw", "top.qcow2", "flat.raw");
        theirs.img("convert", "-O", "qcow2", "top.qcow2", "flat.qcow2");
        ours.img("convert", "-O", "raw", "top.qcow2", "flat.raw");
        ours.img("convert", "-O", "qcow2", "-o", "cluster_size=4k", "top.qcow2", "flat.qcow2");
        for (List<String> pair : List.of(List.of("top.qcow2", "flat.raw"), List.of("flat.qcow2", "top.qcow2"),
                List.of("top.qcow2", "l3.qcow2"), List.of("l3.qcow2", "sub/l2.qcow2"),
                List.of("sub/l1.qcow2", "base.raw"), List.of("base.raw", "flat.raw"))) {
            for (List<String> flags : List.of(List.<String>of(), List.of("-s"))) {
                String[] args = Qemu.concat(flags, pair.get(0), pair.get(1));
                var q = theirs.run(Qemu.prepend("qemu-img", Qemu.prepend("compare", args)));
                Shell.Result r = strata.run("image:compare", args);
                assertEquals(q.exitCode(), r.status(), pair + " " + flags + ": " + q.stdout() + r.out() + r.err());
                assertEquals(q.stdout(), r.out(), pair + " " + flags);
            }
        }
        var q = theirs.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", "flat.raw", "top.qcow2");
        Shell.Result r = strata.run("image:compare", "-f", "raw", "-F", "qcow2", "flat.raw", "top.qcow2");
        assertEquals(q.exitCode(), r.status());
        assertEquals(q.stdout(), r.out());
    }

    @Test
    void commitIntoTheDirectBackingFileEmptiesTheTopAsQemuImgDoes() {
        assertEquals(theirs.img("commit", "top.qcow2"), strata.run("image:commit", "top.qcow2").ok().out());
        assertSameOutcome(Chains.LAYERS);
    }

    @Test
    void commitWithDropKeepsTheTopAsQemuImgDoes() {
        assertEquals(theirs.img("commit", "-d", "top.qcow2"), strata.run("image:commit", "-d", "top.qcow2").ok().out());
        assertSameOutcome(Chains.LAYERS);
    }

    @Test
    void commitIntoABaseFurtherDownNamedAsItsParentRecordsIt() {
        // qemu-img resolves -b relative to the image that names each backing file, not to the working directory
        assertEquals(theirs.img("commit", "-b", "l1.qcow2", "top.qcow2"),
                strata.run("image:commit", "-b", "l1.qcow2", "top.qcow2").ok().out());
        assertSameOutcome(Chains.LAYERS);
        assertEquals(theirs.img("commit", "-b", "../base.raw", "l3.qcow2"),
                strata.run("image:commit", "-b", "../base.raw", "l3.qcow2").ok().out());
        assertSameOutcome(Chains.LAYERS);
        String absolute = ours.dir().resolve("sub/l2.qcow2").toString();
        strata.run("image:commit", "-p", "-b", absolute, "top.qcow2").ok();
        theirs.img("commit", "-p", "-b", theirs.dir().resolve("sub/l2.qcow2").toString(), "top.qcow2");
        assertSameOutcome(Chains.LAYERS);
    }

    @Test
    void commitErrorsAreQemuImgs() {
        for (List<String> args : List.of(List.of("-b", "sub/l1.qcow2", "top.qcow2"), List.of("-b", "top.qcow2",
                "top.qcow2"), List.of("-b", "nope", "top.qcow2"), List.of("-f", "raw", "base.raw"))) {
            var q = theirs.run(Qemu.prepend("qemu-img", Qemu.concat(List.of("commit"), args.toArray(String[]::new))));
            Shell.Result r = strata.run("image:commit", args.toArray(String[]::new));
            assertEquals(q.exitCode(), r.status(), args.toString());
            assertEquals(Qemu.asStrata(q.stderr(), "image:commit"), r.err(), args.toString());
        }
        assertSameOutcome(Chains.LAYERS);
    }

    @Test
    void safeRebaseOntoTheBaseKeepsTheContentAsQemuImgDoes() {
        theirs.img("convert", "-O", "raw", "top.qcow2", "before.raw");
        assertEquals(theirs.img("rebase", "-b", "base.raw", "-F", "raw", "top.qcow2"),
                strata.run("image:rebase", "-b", "base.raw", "-F", "raw", "top.qcow2").ok().out());
        theirs.assertSameContent("top.qcow2", "before.raw");
        assertSameOutcome(List.of("top.qcow2", "base.raw"));
    }

    @Test
    void safeRebaseOntoALayerOfItsOwnChainAsQemuImgDoes() {
        theirs.img("rebase", "-b", "sub/l1.qcow2", "-F", "qcow2", "l3.qcow2");
        strata.run("image:rebase", "-b", "sub/l1.qcow2", "-F", "qcow2", "l3.qcow2").ok();
        assertSameOutcome(Chains.LAYERS.subList(0, 2));
        assertSameOutcome(List.of("l3.qcow2", "sub/l1.qcow2", "base.raw"));
    }

    @Test
    void unsafeRebaseOnlyChangesTheNameAsQemuImgDoes() {
        theirs.img("rebase", "-u", "-b", "sub/l2.qcow2", "-F", "qcow2", "top.qcow2");
        strata.run("image:rebase", "-u", "-b", "sub/l2.qcow2", "-F", "qcow2", "top.qcow2").ok();
        assertSameOutcome(List.of("top.qcow2", "sub/l2.qcow2", "sub/l1.qcow2", "base.raw"));
        // a new backing file that does not exist is fine for -u
        theirs.img("rebase", "-u", "-b", "later.qcow2", "-F", "qcow2", "l3.qcow2");
        strata.run("image:rebase", "-u", "-b", "later.qcow2", "-F", "qcow2", "l3.qcow2").ok();
        assertEquals(Qemu.withoutActualSize(theirs.img("info", "--output=json", "l3.qcow2")),
                Qemu.withoutActualSize(ours.img("info", "--output=json", "l3.qcow2")));
        theirs.img("rebase", "-u", "-b", "", "l3.qcow2");
        strata.run("image:rebase", "-u", "-b", "", "l3.qcow2").ok();
        assertEquals(Qemu.withoutActualSize(theirs.img("info", "--output=json", "l3.qcow2")),
                Qemu.withoutActualSize(ours.img("info", "--output=json", "l3.qcow2")));
    }

    @Test
    void rebaseOntoNothingFlattensAsQemuImgDoes() {
        theirs.img("convert", "-O", "raw", "top.qcow2", "before.raw");
        assertEquals(theirs.img("rebase", "-b", "", "top.qcow2"),
                strata.run("image:rebase", "-b", "", "top.qcow2").ok().out());
        assertSameOutcome(List.of("top.qcow2"));
        theirs.assertSameContent("top.qcow2", "before.raw");
        assertTrue(!ours.img("info", "top.qcow2").contains("backing"));
    }

    @Test
    void rebaseErrorsAreQemuImgs() {
        for (List<String> args : List.of(List.of("-b", "base.raw", "top.qcow2"),
                List.of("-u", "-b", "base.raw", "top.qcow2"), List.of("-b", "missing.raw", "-F", "raw", "top.qcow2"),
                List.of("top.qcow2"))) {
            var q = theirs.run(Qemu.prepend("qemu-img", Qemu.concat(List.of("rebase"), args.toArray(String[]::new))));
            Shell.Result r = strata.run("image:rebase", args.toArray(String[]::new));
            assertEquals(q.exitCode(), r.status(), args.toString());
            assertEquals(Qemu.asStrata(q.stderr(), "image:rebase"), r.err(), args.toString());
        }
    }

    @Test
    void streamPullsTheLayersAboveABaseAsQemuImgRebaseDoes() {
        // image:stream -b BASE is a safe rebase onto a base further down: qemu-img rebase -b BASE
        theirs.img("rebase", "-b", "sub/l1.qcow2", "-F", "qcow2", "top.qcow2");
        strata.run("image:stream", "-b", "sub/l1.qcow2", "-F", "qcow2", "top.qcow2").ok();
        assertSameOutcome(List.of("top.qcow2", "sub/l1.qcow2", "base.raw"));
        theirs.img("rebase", "-b", "", "l3.qcow2");
        strata.run("image:stream", "l3.qcow2").ok();
        assertSameOutcome(List.of("l3.qcow2"));
    }
}
