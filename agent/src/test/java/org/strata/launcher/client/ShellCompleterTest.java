package org.strata.launcher.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Tab offers: commands first, then the command's options for a word starting with '-', else file names. */
class ShellCompleterTest {

    /** As {@code shell:commands --output=json} prints it. */
    private static final String COMMANDS = "[\n  {\n    \"name\": \"image:info\",\n    \"summary\": \"show \\\"it\\\"\",\n"
            + "    \"options\": [\n      \"--format=\",\n      \"--backing-chain\",\n      \"--help\"\n    ]\n  },\n"
            + "  {\n    \"name\": \"node:list\",\n    \"summary\": \"list\",\n    \"options\": [\"--output=\"]\n  }\n]\n";

    @TempDir
    Path dir;
    private Terminal terminal;
    private LineReader reader;
    private final ShellCompleter completer = new ShellCompleter(CommandCatalog.parse(COMMANDS));
    private String userDir;

    @BeforeEach
    void setUp() throws IOException {
        terminal = new DumbTerminal(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream());
        reader = LineReaderBuilder.builder().terminal(terminal).build();
        userDir = System.getProperty("user.dir");
        System.setProperty("user.dir", dir.toString());
    }

    @AfterEach
    void tearDown() throws IOException {
        System.setProperty("user.dir", userDir);
        terminal.close();
    }

    private List<String> complete(String line) {
        List<Candidate> candidates = new ArrayList<>();
        completer.complete(reader, new DefaultParser().parse(line, line.length()), candidates);
        return candidates.stream().map(Candidate::value).toList();
    }

    @Test
    void theFirstWordIsACommand() {
        assertEquals(List.of("image:info", "node:list", "exit"), complete("im"));
    }

    @Test
    void aDashStartsAnOptionOfThatCommand() {
        assertEquals(List.of("--format=", "--backing-chain", "--help"), complete("image:info --b"));
        assertEquals(List.of("--output="), complete("node:list -"));
        assertEquals(List.of(), complete("no:such -"));
    }

    @Test
    void anOptionWithAValueWaitsForIt() {
        List<Candidate> candidates = new ArrayList<>();
        completer.complete(reader, new DefaultParser().parse("image:info --f", 14), candidates);
        for (Candidate c : candidates) {
            assertEquals(!c.value().endsWith("="), c.complete(), c.value());
        }
    }

    @Test
    void otherWordsAreFileNames() throws IOException {
        Files.createFile(dir.resolve("disk-one.qcow2"));
        Files.createDirectory(dir.resolve("images"));
        List<String> files = complete("image:info disk");
        assertTrue(files.contains("disk-one.qcow2"), files.toString());
        assertTrue(complete("image:info ").contains("images/"), complete("image:info ").toString());
        assertFalse(files.contains("image:info"), files.toString());
    }
}
