package org.strata.launcher;

import org.strata.launcher.client.ExecCommand;
import org.strata.launcher.client.ShellCommand;

/**
 * The entry point of bin/strata. exec and shell are thin socket clients that never load a framework class;
 * daemon and run boot Felix (their classes live in org.strata.launcher.framework, reached only from here).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int status;
        boolean debug = false;
        try {
            Options options = Options.parse(args, System.getenv("STRATA_HOME"), System.getProperty("strata.install"));
            debug = options.debug;
            status = dispatch(options);
        } catch (LauncherException e) {
            System.err.println("strata: " + e.getMessage());
            if (debug && e.getCause() != null) {
                e.getCause().printStackTrace();
            }
            status = 1;
        } catch (RuntimeException e) {
            System.err.println("strata: internal error: " + e);
            if (debug) {
                e.printStackTrace();
            }
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    private static int dispatch(Options options) throws LauncherException {
        switch (options.mode) {
            case "exec":
                return ExecCommand.run(options, stdoutIsTerminal());
            case "shell":
                return ShellCommand.run(options, stdoutIsTerminal());
            case "daemon":
                return org.strata.launcher.framework.DaemonCommand.run(options);
            case "run":
                return org.strata.launcher.framework.RunCommand.run(options, stdoutIsTerminal());
            default:
                throw new IllegalStateException(options.mode);
        }
    }

    /**
     * bin/strata knows (test -t 1) and passes -Dstrata.stdout.tty; Java 17 alone can only tell whether both stdin
     * and stdout are terminals.
     */
    static boolean stdoutIsTerminal() {
        String told = System.getProperty("strata.stdout.tty");
        return told != null ? Boolean.parseBoolean(told) : System.console() != null;
    }
}
