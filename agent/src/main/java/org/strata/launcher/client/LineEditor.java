package org.strata.launcher.client;

import java.io.IOException;
import java.nio.file.Path;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.strata.launcher.LauncherException;

/**
 * The interactive shell's lines, read with jline: editing and the arrow keys, a history kept across sessions in
 * {@code $HOME/.strata_history}, and tab completion of commands, options and file names ({@link ShellCompleter}).
 * Ctrl-C drops the line being typed; Ctrl-D on an empty line leaves the shell.
 */
final class LineEditor implements ShellCommand.LineSource {

    private static final String PROMPT = "strata> ";
    private static final String HISTORY_FILE = ".strata_history";

    private final Terminal terminal;
    private final LineReader reader;

    private LineEditor(Terminal terminal, LineReader reader) {
        this.terminal = terminal;
        this.reader = reader;
    }

    static LineEditor open(CommandCatalog catalog) throws LauncherException {
        Terminal terminal;
        try {
            terminal = TerminalBuilder.builder().system(true).build();
        } catch (IOException e) {
            throw new LauncherException("cannot open the terminal: " + e.getMessage(), e);
        }
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("strata")
                .completer(new ShellCompleter(catalog))
                .variable(LineReader.HISTORY_FILE, historyFile())
                // lines reach Gogo as typed: no history expansion of '!'
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        terminal.writer().println("Strata shell: Tab completes, 'shell:commands' lists the commands, 'CMD --help'"
                + " shows one, 'exit' leaves.");
        terminal.flush();
        return new LineEditor(terminal, reader);
    }

    /** In the home directory $HOME names, as a Unix shell's history (Java's user.home ignores $HOME). */
    private static Path historyFile() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), HISTORY_FILE);
    }

    @Override
    public String next() {
        while (true) {
            try {
                return reader.readLine(PROMPT);
            } catch (UserInterruptException e) {
                // Ctrl-C: a fresh prompt
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        try {
            reader.getHistory().save();
            terminal.close();
        } catch (IOException e) {
            // the history is a convenience: losing it at exit is not an error of the session
        }
    }
}
