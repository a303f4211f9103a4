package org.strata.launcher.client;

import java.util.List;

import org.jline.builtins.Completers.FileNameCompleter;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion in {@code strata shell}: the first word is a command, a word starting with {@code -} one of that
 * command's options, any other word a file name (from the client's directory, which the commands also start from).
 */
final class ShellCompleter implements Completer {

    private final CommandCatalog catalog;
    private final Completer files = new FileNameCompleter();

    ShellCompleter(CommandCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        if (line.wordIndex() == 0) {
            for (String command : catalog.commands()) {
                candidates.add(new Candidate(command));
            }
            candidates.add(new Candidate(ShellCommand.EXIT));
        } else if (line.word().startsWith("-")) {
            for (String option : catalog.options(line.words().get(0))) {
                // "--format=" waits for its value: no space after it
                candidates.add(new Candidate(option, option, null, null, null, null, !option.endsWith("=")));
            }
        } else {
            files.complete(reader, line, candidates);
        }
    }
}
