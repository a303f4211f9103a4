package org.strata.launcher.client;

import org.strata.launcher.LauncherException;
import org.strata.launcher.Options;
import org.strata.launcher.wire.Request;

/** {@code strata exec CMD ARGS...}: one command in the running daemon, its output streamed back. */
public final class ExecCommand {

    private ExecCommand() {
    }

    public static int run(Options options, boolean tty) throws LauncherException {
        DaemonClient client = DaemonClient.connect(options.socket());
        try {
            client.send(new Request(Request.EXEC, System.getProperty("user.dir"), tty, options.debug,
                    options.allowRoots, options.argv));
            return client.awaitExit();
        } finally {
            client.close();
        }
    }
}
