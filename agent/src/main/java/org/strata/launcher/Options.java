package org.strata.launcher;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.strata.launcher.wire.Endpoint;

/**
 * {@code strata [--home DIR] [--debug] [--allow-root DIR|URL_PREFIX]... (daemon | exec CMD ARGS... | shell |
 * run CMD ARGS...)}.
 * Options stop at the subcommand: everything after {@code exec CMD} or {@code run CMD} belongs to the command.
 */
public final class Options {

    /** appended to usage errors, which stay one line */
    public static final String USAGE =
            "usage: strata [--home DIR] [--debug] [--allow-root DIR|URL_PREFIX]... (daemon | exec CMD [ARG...] | shell"
                    + " | run CMD [ARG...])";
    private static final String SEPARATOR = "; ";

    /** the agent's home, absolute */
    public final File home;
    public final boolean debug;
    /**
     * --allow-root values as given, directories or URL prefixes (the command side resolves a directory against the
     * caller's directory)
     */
    public final List<String> allowRoots;
    public final String mode;
    /** for exec and run: the command name followed by its arguments */
    public final List<String> argv;

    private Options(File home, boolean debug, List<String> allowRoots, String mode, List<String> argv) {
        this.home = home;
        this.debug = debug;
        this.allowRoots = Collections.unmodifiableList(allowRoots);
        this.mode = mode;
        this.argv = Collections.unmodifiableList(argv);
    }

    /**
     * @param defaultHome the home when neither --home nor STRATA_HOME is given (bin/strata passes its own
     *                    install directory), may be null
     */
    public static Options parse(String[] args, String environmentHome, String defaultHome) throws LauncherException {
        String home = null;
        boolean debug = false;
        List<String> roots = new ArrayList<>();
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--debug")) {
                debug = true;
            } else if (a.equals("--home") || a.equals("--allow-root")) {
                if (i + 1 >= args.length) {
                    throw new LauncherException(a + (a.equals("--home") ? " needs a directory\n"
                            : " needs a directory or URL prefix\n") + USAGE);
                }
                String value = args[++i];
                if (a.equals("--home")) {
                    home = value;
                } else {
                    roots.add(value);
                }
            } else if (a.startsWith("--home=")) {
                home = a.substring("--home=".length());
            } else if (a.startsWith("--allow-root=")) {
                roots.add(a.substring("--allow-root=".length()));
            } else if (a.startsWith("-")) {
                throw new LauncherException("unknown option " + a + SEPARATOR + USAGE);
            } else {
                break;
            }
        }
        if (i >= args.length) {
            throw new LauncherException("no subcommand given\n" + USAGE);
        }
        String mode = args[i++];
        List<String> argv = new ArrayList<>();
        for (; i < args.length; i++) {
            argv.add(args[i]);
        }
        switch (mode) {
            case "exec":
            case "run":
                if (argv.isEmpty()) {
                    throw new LauncherException(mode + " needs a command\n" + USAGE);
                }
                break;
            case "daemon":
            case "shell":
                if (!argv.isEmpty()) {
                    throw new LauncherException(mode + " takes no arguments\n" + USAGE);
                }
                break;
            default:
                throw new LauncherException("unknown subcommand " + mode + SEPARATOR + USAGE);
        }
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
        return new Options(normalize(dir), debug, roots, mode, argv);
    }

    private static File normalize(File dir) {
        return dir.toPath().normalize().toFile();
    }

    public File socket() {
        return new File(new File(home, Endpoint.RUN_DIRECTORY), Endpoint.SOCKET_NAME);
    }
}
