package org.strata.shell;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/commands.md is written from the commands' own summaries and option declarations; this test writes it anew
 * (to target/commands.md) and fails when the committed copy differs, saying how to update it.
 */
class CommandReferenceTest {

    private static final Path COMMITTED = Path.of("../../docs/commands.md");
    private static final Path FRESH = Path.of("target/commands.md");

    @TempDir
    Path dir;

    @Test
    void committedReferenceMatchesTheCommands() throws IOException {
        String fresh = reference(new Shell(dir));
        Files.createDirectories(FRESH.getParent());
        Files.writeString(FRESH, fresh, StandardCharsets.UTF_8);
        String committed = Files.exists(COMMITTED) ? Files.readString(COMMITTED, StandardCharsets.UTF_8) : "";
        assertTrue(fresh.equals(committed), "docs/commands.md is stale; regenerate it from the repository's root with: "
                + "mvn -o -q -pl bundles/shell -am verify -Dtest=CommandReferenceTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false; cp bundles/shell/target/commands.md docs/commands.md");
    }

    @Test
    void everyCommandHasASectionWithItsUsage() {
        Shell shell = new Shell(dir);
        String text = reference(shell);
        for (Command c : shell.commands()) {
            assertTrue(text.contains("\n## " + c.name() + "\n\n" + c.summary() + "\n\n```\n" + c.options().usage()
                    + "\n```\n"), c.name());
        }
    }

    /** The reference: an index of the commands with their summaries, then each command's usage. */
    static String reference(Shell shell) {
        StringBuilder md = new StringBuilder();
        md.append("# Command reference\n\n")
                .append("<!-- Generated from each command's summary() and Options.Spec by bundles/shell's"
                        + " CommandReferenceTest, which fails when this file is stale and says how to regenerate it."
                        + " Do not edit by hand. -->\n\n")
                .append("Every command runs in the daemon (`strata exec CMD ...`, or typed in `strata shell`), and")
                .append(" without one in\n`strata run CMD ...`; the commands of nodes and exports need the daemon.")
                .append(" `CMD --help` prints a\ncommand's usage, `shell:commands` lists them all. The contract,")
                .append(" `../shared/contract/commands.md`,\nsays how the commands mirror qemu-img.\n\n")
                .append("| command | what it does |\n|---|---|\n");
        for (Command c : shell.commands()) {
            md.append("| [`").append(c.name()).append("`](#").append(c.name().replace(":", "")).append(") | ")
                    .append(c.summary()).append(" |\n");
        }
        for (Command c : shell.commands()) {
            md.append("\n## ").append(c.name()).append("\n\n").append(c.summary()).append("\n\n```\n")
                    .append(c.options().usage()).append("\n```\n");
        }
        return md.toString();
    }
}
