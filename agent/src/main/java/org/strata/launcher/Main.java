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
            CommandLine line = CommandLine.parse(args, System.getenv("STRATA_HOME"),
                    System.getProperty("strata.install"));
            debug = line.debug;
            status = dispatch(line);
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

    private static int dispatch(CommandLine line) throws LauncherException {
        switch (line.subcommand) {
            case EXEC:
                return ExecCommand.run(line, stdoutIsTerminal());
            case SHELL:
                return ShellCommand.run(line, stdoutIsTerminal());
            case DAEMON:
                return org.strata.launcher.framework.DaemonCommand.run(line);
            case RUN:
                return org.strata.launcher.framework.RunCommand.run(line, stdoutIsTerminal());
            case HELP:
                System.out.println(CommandLine.usage());
                return 0;
            default:
                throw new IllegalStateException(line.subcommand.toString());
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
