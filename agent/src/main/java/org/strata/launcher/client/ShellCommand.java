package org.strata.launcher.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.Collections;

import org.strata.launcher.LauncherException;
import org.strata.launcher.Options;
import org.strata.launcher.wire.Request;

/**
 * {@code strata shell}: reads Gogo lines from stdin and runs each in one daemon session (variables persist
 * between lines). {@code exit} or end of input leaves the shell; the daemon keeps running.
 */
public final class ShellCommand {

    private static final String PROMPT = "strata> ";

    private ShellCommand() {
    }

    public static int run(Options options, boolean tty) throws LauncherException {
        boolean interactive = System.console() != null;
        DaemonClient client = DaemonClient.connect(options.socket());
        try {
            client.send(new Request(Request.SHELL, System.getProperty("user.dir"), tty, options.debug,
                    options.allowRoots, Collections.<String>emptyList()));
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
