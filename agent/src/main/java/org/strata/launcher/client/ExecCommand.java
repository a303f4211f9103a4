package org.strata.launcher.client;

import org.strata.cli.wire.Request;
import org.strata.launcher.CommandLine;
import org.strata.launcher.LauncherException;

/** {@code strata exec CMD ARGS...}: one command in the running daemon, its output streamed back. */
public final class ExecCommand {

    private ExecCommand() {
    }

    public static int run(CommandLine line, boolean tty) throws LauncherException {
        DaemonClient client = DaemonClient.connect(line.socket());
        try {
            client.send(line.request(Request.EXEC, tty));
            return client.awaitExit();
        } finally {
            client.close();
        }
    }
}
