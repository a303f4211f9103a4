package org.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class OptionsTest {

    private static final Options.Spec SPEC = new Options.Spec("image:demo", "FILE [SIZE]")
            .value('f', "format", "FMT", "the image format")
            .flag('U', "force-share", "open without locks")
            .flag('p', "progress", "show progress")
            .value('o', "options", "OPTS", "creation options").repeatable()
            .value((char) 0, "output", "human|json", "human (default) or json")
            .flag((char) 0, "shrink", "allow shrinking");

    private static Options parse(String... args) {
        return SPEC.parse(List.of(args));
    }

    private static String error(Options.Spec spec, String... args) {
        return assertThrows(UsageException.class, () -> spec.parse(List.of(args))).getMessage();
    }

    @Test
    void shortOptionsClusterAndTakeAttachedValues() {
        Options o = parse("-pUfqcow2", "x.img", "-o", "a=1", "-ob=2", "1G");
        assertTrue(o.has("progress"));
        assertTrue(o.has("force-share"));
        assertEquals("qcow2", o.get("format"));
        assertEquals(List.of("a=1", "b=2"), o.all("options"));
        assertEquals("b=2", o.get("options"));
        assertEquals(List.of("x.img", "1G"), o.operands());
        assertFalse(o.has("shrink"));
        assertEquals("raw", parse().get("format", "raw"));
    }

    @Test
    void longOptionsTakeTheirValueEitherWayAndMayBeShortened() {
        assertEquals("json", parse("--output=json").get("output"));
        assertEquals("json", parse("--output", "json").get("output"));
        assertEquals("", parse("--output=").get("output"));
        assertEquals("json", parse("--out=json").get("output"));
        assertTrue(parse("--shr").has("shrink"));
        assertTrue(parse("--force-share").has("force-share"));
        // --f could be --format or --force-share: refused, as qemu-img refuses it
        assertEquals("unrecognized option '--f'", error(SPEC, "--f", "x"));
    }

    @Test
    void theLastValueWinsAndOnlyRepeatableOptionsListTheirs() {
        Options o = parse("-f", "raw", "-f", "qcow2");
        assertEquals("qcow2", o.get("format"));
        assertThrows(IllegalArgumentException.class, () -> o.all("format"));
        assertEquals(List.of(), o.all("undeclared"));
        assertFalse(o.has("undeclared"));
    }

    @Test
    void doubleDashEndsTheOptionsAndADashAloneIsAnOperand() {
        Options o = parse("-p", "--", "-U", "--output=json");
        assertTrue(o.has("progress"));
        assertFalse(o.has("force-share"));
        assertEquals(List.of("-U", "--output=json"), o.operands());
        assertEquals(List.of("-"), parse("-").operands());
    }

    @Test
    void errorsAreWordedAsQemuImgWordsThem() {
        assertEquals("unrecognized option '-Z'", error(SPEC, "-Z"));
        assertEquals("unrecognized option '-UZ'", error(SPEC, "x", "-UZ"));
        assertEquals("unrecognized option '--bogus'", error(SPEC, "--bogus"));
        assertEquals("unrecognized option '--shrink=1'", error(SPEC, "--shrink=1"));
        assertEquals("missing argument for option '-f'", error(SPEC, "x", "-f"));
        assertEquals("missing argument for option '-Uf'", error(SPEC, "-Uf"));
        assertEquals("missing argument for option '--output'", error(SPEC, "--output"));
        assertEquals("missing argument for option '--out'", error(SPEC, "--out"));
    }

    @Test
    void orAsCsGetoptWordsThem() {
        Options.Spec spec = new Options.Spec("read", "OFF LEN").getoptMessages()
                .flag('q', "quiet", "no statistics").value('P', "pattern", "PATTERN", "expected byte");
        assertEquals("invalid option -- 'Z'", error(spec, "-qZ"));
        assertEquals("unrecognized option '--bogus'", error(spec, "--bogus"));
        assertEquals("option requires an argument -- 'P'", error(spec, "-P"));
        assertEquals("option '--pattern' requires an argument", error(spec, "--pattern"));
        assertEquals("option '--quiet' doesn't allow an argument", error(spec, "--quiet=1"));
    }

    @Test
    void optionsMayEndAtTheFirstOperand() {
        Options.Spec spec = new Options.Spec("strata", "SUBCOMMAND [ARG...]").optionsFirst()
                .flag((char) 0, "debug", "debug")
                .value((char) 0, "home", "DIR", "home");
        Options o = spec.parse(List.of("--home", "/h", "run", "image:info", "--debug", "--", "-x"));
        assertEquals("/h", o.get("home"));
        assertFalse(o.has("debug"));
        assertEquals(List.of("run", "image:info", "--debug", "--", "-x"), o.operands());
    }

    @Test
    void operandCountsAreCheckedWithQemuImgsWords() {
        assertEquals("Expecting filename", assertThrows(UsageException.class,
                () -> parse().operands(1, 2, "filename")).getMessage());
        assertEquals("Unexpected argument: c", assertThrows(UsageException.class,
                () -> parse("a", "b", "c").operands(1, 2, "filename")).getMessage());
        assertEquals(List.of("a", "b"), parse("a", "b").operands(1, 2, "filename"));
        assertEquals("Expecting one image file name", assertThrows(UsageException.class,
                () -> parse("a", "b").operands(1, "one image file name")).getMessage());
        assertEquals(List.of("a"), parse("a").operands(1, "one image file name"));
    }

    @Test
    void outputIsHumanOrJson() {
        assertFalse(parse().json());
        assertFalse(parse("--output=human").json());
        assertTrue(parse("--output=json").json());
        assertEquals("--output must be used with human or json as argument.",
                assertThrows(UsageException.class, () -> parse("--output=xml").json()).getMessage());
    }

    @Test
    void anOptionIsDeclaredOnce() {
        assertThrows(IllegalArgumentException.class,
                () -> new Options.Spec("x", "").flag('a', "all", "a").flag('b', "all", "b"));
        assertThrows(IllegalArgumentException.class,
                () -> new Options.Spec("x", "").flag('a', "all", "a").flag('a', "any", "b"));
    }

    @Test
    void theUsageIsWrittenFromTheDeclarations() {
        Options.Spec spec = new Options.Spec("image:demo", "FILE [SIZE]")
                .value('f', "format", "FMT", "the image format (probed when not given)")
                .value('o', "options", "OPTS", "creation options").repeatable()
                .flag((char) 0, "backing-chain", "show every image of the backing chain, top first, which is a long"
                        + " description that goes on past the width of one line and is wrapped under itself")
                .flag('q', "quiet", "print nothing")
                .value((char) 0, "allow-root", "DIR|URL_PREFIX", "also open files below DIR")
                .operand("SIZE", "bytes, or with a suffix")
                .note("exit status: 0 clean, 2 corruptions")
                .note("commands:\n  read OFF LEN     read\n  flush            write back");
        assertEquals("usage: image:demo [-f FMT] [-o OPTS]... [--backing-chain] [-q] [--allow-root=DIR|URL_PREFIX]"
                + " FILE [SIZE]", spec.synopsis());
        assertEquals(String.join("\n",
                "usage: image:demo [-f FMT] [-o OPTS]... [--backing-chain] [-q] [--allow-root=DIR|URL_PREFIX]",
                "                  FILE [SIZE]",
                "  -f, --format=FMT        the image format (probed when not given)",
                "  -o, --options=OPTS      creation options",
                "  --backing-chain         show every image of the backing chain, top first, which is a long",
                "                          description that goes on past the width of one line and is wrapped under",
                "                          itself",
                "  -q, --quiet             print nothing",
                "  --allow-root=DIR|URL_PREFIX",
                "                          also open files below DIR",
                "  SIZE                    bytes, or with a suffix",
                "  exit status: 0 clean, 2 corruptions",
                "  commands:",
                "    read OFF LEN     read",
                "    flush            write back"), spec.usage());
    }

    @Test
    void longFormsAreWhatAShellCompletes() {
        assertEquals(List.of("--format=", "--force-share", "--progress", "--options=", "--output=", "--shrink"),
                SPEC.longForms());
    }
}
