package org.strata.launcher.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

import org.strata.cli.wire.Request;
import org.strata.launcher.CommandLine;
import org.strata.launcher.LauncherException;

/**
 * {@code strata shell}: reads Gogo lines from stdin and runs each in one daemon session (variables persist
 * between lines). {@code exit} or end of input leaves the shell; the daemon keeps running.
 */
public final class ShellCommand {

    private static final String PROMPT = "strata> ";

    private ShellCommand() {
    }

    public static int run(CommandLine commandLine, boolean tty) throws LauncherException {
        boolean interactive = System.console() != null;
        DaemonClient client = DaemonClient.connect(commandLine.socket());
        try {
            client.send(commandLine.request(Request.SHELL, tty));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
            int status = 0;
            while (true) {
                if (interactive) {
                    System.out.print(PROMPT);
                    System.out.flush();
                }
                String line = in.readLine();
                if (line == null || line.trim().equals("exit")) {
                    break;
                }
                if (line.trim().isEmpty()) {
                    continue;
                }
                client.sendLine(line);
                status = client.awaitExit();
            }
            if (interactive) {
                System.out.println();
            }
            return status;
        } catch (IOException e) {
            throw new LauncherException("cannot read stdin: " + e.getMessage(), e);
        } finally {
            client.close();
        }
    }
}
