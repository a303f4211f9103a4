package org.strata.launcher.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

import org.strata.cli.wire.Request;
import org.strata.launcher.CommandLine;
import org.strata.launcher.LauncherException;

/**
 * {@code strata shell}: runs Gogo lines in one daemon session (variables persist between lines). On a terminal it
 * edits lines, keeps a history and completes (see {@link LineEditor}); otherwise it reads lines from stdin, as a
 * script feeds them. {@code exit} or end of input leaves the shell; the daemon keeps running.
 */
public final class ShellCommand {

    static final String EXIT = "exit";

    private ShellCommand() {
    }

    public static int run(CommandLine commandLine, boolean tty) throws LauncherException {
        // the catalog comes first: a shell without a daemon fails before it shows a prompt
        LineSource lines = System.console() != null ? LineEditor.open(CommandCatalog.fetch(commandLine))
                : new PlainLines();
        DaemonClient client = DaemonClient.connect(commandLine.socket());
        try {
            client.send(commandLine.request(Request.SHELL, tty));
            int status = 0;
            while (true) {
                String line = lines.next();
                if (line == null || line.trim().equals(EXIT)) {
                    break;
                }
                if (line.trim().isEmpty()) {
                    continue;
                }
                client.sendLine(line);
                status = client.awaitExit();
            }
            return status;
        } finally {
            lines.close();
            client.close();
        }
    }

    /** Where the shell's lines come from. */
    interface LineSource extends AutoCloseable {

        /** The next line, or null at the end of input. */
        String next() throws LauncherException;

        @Override
        void close();
    }

    /** Lines from stdin, without a prompt: a script's. */
    private static final class PlainLines implements LineSource {

        private final BufferedReader in = new BufferedReader(new InputStreamReader(System.in));

        @Override
        public String next() throws LauncherException {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new LauncherException("cannot read stdin: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            // stdin stays open for the process
        }
    }
}
