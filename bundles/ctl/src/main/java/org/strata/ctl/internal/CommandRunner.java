package org.strata.ctl.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.strata.cli.wire.Request;

/**
 * Runs commands in one Gogo session with Strata's conventions, the same over the socket and in
 * {@code strata run}:
 * <ul>
 * <li>before: {@code currentDir} is the client's directory; {@code strata.tty}, {@code strata.debug} (Boolean)
 * and {@code strata.allowRoots} (List of Strings: the --allow-root values as given, directories relative to
 * {@code currentDir} or URL prefixes; the commands resolve them) are session variables; globbing is off;</li>
 * <li>arguments are never parsed as script: argument i is the session variable {@code __a<i>} and the script run
 * is {@code NAME $__a0 $__a1 ...}; NAME must look like a Gogo command name ({@code [scope:]name});</li>
 * <li>after: a non-null result is printed the way Gogo's console prints it ({@code Converter.INSPECT}); the exit
 * status is {@code strata.exit} when a command left an Integer there, else 0; an exception thrown out of
 * {@code execute} becomes one line {@code strata: MESSAGE} on stderr (its stack trace only with --debug) and
 * status 1.</li>
 * </ul>
 */
public final class CommandRunner implements AutoCloseable {

    public static final String EXIT = "strata.exit";
    public static final String TTY = "strata.tty";
    public static final String DEBUG = "strata.debug";
    public static final String ALLOW_ROOTS = "strata.allowRoots";
    static final String ARGUMENT_PREFIX = "__a";

    private static final String NAME_PART = "[A-Za-z_][A-Za-z0-9_.-]*";
    private static final Pattern COMMAND_NAME = Pattern.compile("(" + NAME_PART + ":)?" + NAME_PART);

    private final CommandSession session;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean debug;

    public CommandRunner(CommandProcessor processor, Request request, InputStream in, OutputStream out,
                         OutputStream err) {
        this.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        this.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        this.debug = request.debug;
        this.session = processor.createSession(in, this.out, this.err);
        Path cwd = Path.of(request.cwd).toAbsolutePath().normalize();
        session.currentDir(cwd);
        session.put(CommandSession.OPTION_NO_GLOB, Boolean.TRUE);
        session.put(TTY, request.tty);
        session.put(DEBUG, request.debug);
        session.put(ALLOW_ROOTS, Collections.unmodifiableList(new ArrayList<>(request.allowRoots)));
    }

    /** Runs a command name and its arguments, passed through exactly as given. */
    public int runArgv(List<String> argv) {
        if (argv.isEmpty()) {
            return fail("no command given");
        }
        String name = argv.get(0);
        if (!COMMAND_NAME.matcher(name).matches()) {
            return fail("not a command name: \"" + name + "\" (exec and run take a command and its arguments;"
                    + " Gogo script belongs in strata shell)");
        }
        StringBuilder script = new StringBuilder(name);
        for (int i = 1; i < argv.size(); i++) {
            String variable = ARGUMENT_PREFIX + (i - 1);
            session.put(variable, argv.get(i));
            script.append(" $").append(variable);
        }
        try {
            return execute(script);
        } finally {
            for (int i = 1; i < argv.size(); i++) {
                session.put(ARGUMENT_PREFIX + (i - 1), null);
            }
        }
    }

    /** Runs one line of Gogo script (the interactive shell). */
    public int runLine(String line) {
        return execute(line);
    }

    private int execute(CharSequence script) {
        session.put(EXIT, null);
        int status;
        try {
            Object result = session.execute(script);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
            Object exit = session.get(EXIT);
            status = exit instanceof Integer ? (Integer) exit : 0;
        } catch (Exception e) {
            status = fail(oneLine(e));
            if (debug) {
                e.printStackTrace(err);
            }
        }
        out.flush();
        err.flush();
        return status;
    }

    private int fail(String message) {
        err.println("strata: " + message);
        return 1;
    }

    static String oneLine(Throwable e) {
        if (e instanceof InterruptedException) {
            return "interrupted"; // the agent is stopping, or the client went away
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getName();
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline).stripTrailing();
    }

    @Override
    public void close() {
        out.flush();
        err.flush();
        session.close();
    }
}
