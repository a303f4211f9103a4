package org.strata.shell;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.strata.cli.UsageException;
import org.strata.core.image.Errors;

/**
 * Runs a {@link Command} for Gogo. The arguments arrive as given; the caller's working directory, terminal flag,
 * debug flag and allowed roots come from session variables set by the management socket and {@code strata run};
 * the exit status goes back in {@code strata.exit}.
 */
final class GogoCommand implements Function {

    static final String EXIT = "strata.exit";

    private final Command command;

    GogoCommand(Command command) {
        this.command = command;
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) {
        List<String> args = new ArrayList<>();
        for (Object a : arguments) {
            args.add(a == null ? "" : a.toString());
        }
        Path cwd = session.currentDir() != null ? session.currentDir() : Path.of(System.getProperty("user.dir"));
        List<String> roots = new ArrayList<>();
        if (session.get("strata.allowRoots") instanceof List<?> list) {
            for (Object o : list) {
                roots.add(o.toString());
            }
        }
        // Gogo's ThreadIO routes System.out and System.err to the session's streams
        Invocation inv = new Invocation(args, System.out, System.err, cwd,
                Boolean.TRUE.equals(session.get("strata.tty")), Boolean.TRUE.equals(session.get("strata.debug")),
                roots);
        session.put(EXIT, execute(command, inv));
        return null;
    }

    /**
     * Runs the command and returns its exit status; {@code --help} prints the usage, and a failure becomes one
     * line on stderr (a stack trace only with --debug).
     */
    static int execute(Command command, Invocation inv) {
        int status;
        try {
            if (inv.args.contains("--help")) {
                inv.out.println(command.options().usage());
                status = 0;
            } else {
                status = command.run(inv);
            }
        } catch (UsageException e) {
            inv.err.println(command.name() + ": " + e.getMessage());
            inv.err.println("Try '" + command.name() + " --help' for more information");
            status = 1;
        } catch (CommandFailure e) {
            inv.err.println(command.name() + ": " + e.getMessage());
            printTrace(inv, e.getCause());
            status = e.status();
        } catch (Exception | LinkageError e) {
            inv.err.println(command.name() + ": " + Errors.oneLine(e));
            printTrace(inv, e);
            status = 1;
        }
        inv.out.flush();
        inv.err.flush();
        return status;
    }

    private static void printTrace(Invocation inv, Throwable t) {
        if (inv.debug && t != null) {
            t.printStackTrace(inv.err);
        }
    }
}
