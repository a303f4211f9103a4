package org.strata.launcher;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.strata.cli.Options;
import org.strata.cli.UsageException;
import org.strata.cli.wire.Endpoint;
import org.strata.cli.wire.Request;

/**
 * bin/strata's command line: {@code strata [--home DIR] [--debug] [--allow-root DIR|URL_PREFIX]... (daemon | exec
 * CMD ARGS... | shell | run CMD ARGS...)}. Options stop at the subcommand: everything after {@code exec CMD} or
 * {@code run CMD} belongs to the command.
 */
public final class CommandLine {

    /** What bin/strata is asked to do. */
    public enum Subcommand {
        DAEMON, EXEC, SHELL, RUN,
        /** {@code --help}: print the usage */
        HELP;

        /** Whether a command name and its arguments follow. */
        boolean takesCommand() {
            return this == EXEC || this == RUN;
        }
    }

    static final Options.Spec SPEC = new Options.Spec("strata",
            "(daemon | exec CMD [ARG...] | shell | run CMD [ARG...])")
            .value((char) 0, "home", "DIR", "the agent's home (default: $STRATA_HOME, else the install directory)")
            .flag((char) 0, "debug", "log everything, and print stack traces with errors")
            .value((char) 0, "allow-root", "DIR|URL_PREFIX",
                    "also open files that images name below DIR or URL_PREFIX (also an option of every image command)")
            .repeatable()
            .flag((char) 0, "help", "print this text")
            .operand("daemon", "run the agent in the foreground until SIGTERM or SIGINT")
            .operand("exec CMD [ARG...]", "run one command in the running daemon")
            .operand("shell", "an interactive shell attached to the running daemon")
            .operand("run CMD [ARG...]", "run one command in an agent of this process's own (no daemon needed)")
            .optionsFirst();

    /** the agent's home, absolute (null for {@link Subcommand#HELP}) */
    public final File home;
    public final boolean debug;
    /**
     * --allow-root values as given, directories or URL prefixes (the command side resolves a directory against the
     * caller's directory)
     */
    public final List<String> allowRoots;
    public final Subcommand subcommand;
    /** for exec and run: the command name followed by its arguments */
    public final List<String> argv;

    private CommandLine(File home, boolean debug, List<String> allowRoots, Subcommand subcommand, List<String> argv) {
        this.home = home;
        this.debug = debug;
        this.allowRoots = Collections.unmodifiableList(new ArrayList<>(allowRoots));
        this.subcommand = subcommand;
        this.argv = Collections.unmodifiableList(new ArrayList<>(argv));
    }

    /** What {@code strata --help} prints. */
    public static String usage() {
        return SPEC.usage();
    }

    /**
     * @param environmentHome STRATA_HOME, may be null
     * @param defaultHome     the home when neither --home nor STRATA_HOME is given (bin/strata passes its own
     *                        install directory), may be null
     */
    public static CommandLine parse(String[] args, String environmentHome, String defaultHome)
            throws LauncherException {
        Options o;
        try {
            o = SPEC.parse(Arrays.asList(args));
        } catch (UsageException e) {
            throw usageError(e.getMessage());
        }
        if (o.has("help")) {
            return new CommandLine(null, false, Collections.<String>emptyList(), Subcommand.HELP,
                    Collections.<String>emptyList());
        }
        List<String> words = o.operands();
        if (words.isEmpty()) {
            throw usageError("no subcommand given");
        }
        Subcommand subcommand = subcommand(words.get(0));
        List<String> argv = words.subList(1, words.size());
        if (subcommand.takesCommand() && argv.isEmpty()) {
            throw usageError(words.get(0) + " needs a command");
        }
        if (!subcommand.takesCommand() && !argv.isEmpty()) {
            throw usageError(words.get(0) + " takes no arguments");
        }
        String home = o.get("home");
        if (home == null || home.isEmpty()) {
            home = environmentHome != null && !environmentHome.isEmpty() ? environmentHome : defaultHome;
        }
        if (home == null || home.isEmpty()) {
            throw new LauncherException("no home directory: give --home DIR or set STRATA_HOME");
        }
        File dir = new File(home).getAbsoluteFile();
        if (!dir.isDirectory()) {
            throw new LauncherException("home " + dir + " is not a directory");
        }
        return new CommandLine(dir.toPath().normalize().toFile(), o.has("debug"), o.all("allow-root"), subcommand,
                argv);
    }

    private static Subcommand subcommand(String word) throws LauncherException {
        for (Subcommand s : Subcommand.values()) {
            if (s != Subcommand.HELP && s.name().toLowerCase(Locale.ROOT).equals(word)) {
                return s;
            }
        }
        throw usageError("unknown subcommand " + word);
    }

    /** One line: what is wrong, then the synopsis. */
    private static LauncherException usageError(String message) {
        return new LauncherException(message + "; " + SPEC.synopsis());
    }

    public File socket() {
        return new File(new File(home, Endpoint.RUN_DIRECTORY), Endpoint.SOCKET_NAME);
    }

    /** What the daemon (exec, shell) or the embedded agent (run) is asked, from the caller's directory. */
    public Request request(byte kind, boolean tty) {
        return request(kind, tty, argv);
    }

    /** The same, for another command line (one the shell client runs on its own). */
    public Request request(byte kind, boolean tty, List<String> argv) {
        return new Request(kind, System.getProperty("user.dir"), tty, debug, allowRoots, argv);
    }
}
