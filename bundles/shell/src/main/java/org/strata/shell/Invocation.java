package org.strata.shell;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.strata.cli.Options;

/** One call of a command: its arguments, where it prints, and the caller's working directory and settings. */
final class Invocation {

    final List<String> args;
    final PrintStream out;
    final PrintStream err;
    final Path cwd;
    final boolean tty;
    final boolean debug;
    /** --allow-root values given before the subcommand, as given (relative to {@link #cwd}) */
    final List<String> allowRoots;

    Invocation(List<String> args, PrintStream out, PrintStream err, Path cwd, boolean tty, boolean debug,
               List<String> allowRoots) {
        this.args = List.copyOf(args);
        this.out = out;
        this.err = err;
        this.cwd = cwd;
        this.tty = tty;
        this.debug = debug;
        this.allowRoots = List.copyOf(allowRoots);
    }

    /** The roots the caller allows: {@code --allow-root} before the subcommand, then the command's own, as given. */
    List<String> allowRoots(Options o) {
        List<String> roots = new ArrayList<>(allowRoots);
        roots.addAll(o.all("allow-root"));
        return roots;
    }
}
