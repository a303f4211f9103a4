package org.strata.launcher.framework;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.strata.cli.wire.Endpoint;
import org.strata.launcher.LauncherException;

/**
 * The process's log, set up once before the framework starts: java.util.logging, which carries every bundle's
 * {@link System.Logger} and Felix's own messages ({@link FrameworkLogger}). Records go to the process's stderr
 * descriptor, captured here, and never through {@code System.err}, which Gogo redirects per thread to the
 * running command's stderr: the log is the daemon's, never a client's output.
 * <ul>
 * <li>{@code strata daemon}: INFO and up (everything with --debug), one line per record: time, level, logger,
 * message; the same lines also go to a log file rotated by size ({@link RotatingLogFile}; the settings
 * {@value #FILE}, {@value #LIMIT} and {@value #KEPT} of etc/config.properties);</li>
 * <li>{@code strata run}: warnings and errors only, each one line {@code strata: warning: MESSAGE}, beside the
 * command's own output and errors on the user's terminal.</li>
 * </ul>
 * An exception adds its one-line description to the record's line; its stack trace follows only with --debug.
 */
final class ProcessLog {

    /** The daemon's log file; empty for none. Default: var/log/strata.log in the home. */
    static final String FILE = "strata.log.file";
    /** The size in bytes at which the log file is rotated. */
    static final String LIMIT = "strata.log.limit";
    /** How many rotated log files are kept (strata.log.1 ... strata.log.N). */
    static final String KEPT = "strata.log.kept";

    private static final long DEFAULT_LIMIT = 10 << 20;
    private static final int DEFAULT_KEPT = 5;

    /** The process's stderr descriptor, captured once: never {@code System.err}, which Gogo redirects. */
    private static final PrintStream STDERR = new PrintStream(new FileOutputStream(FileDescriptor.err), false,
            StandardCharsets.UTF_8);

    private ProcessLog() {
    }

    /**
     * @param properties the framework properties (etc/config.properties), for the daemon's log file settings
     * @throws LauncherException when a log file setting is not a number
     */
    static void configure(String mode, boolean debug, File home, Map<String, String> properties)
            throws LauncherException {
        boolean daemon = Endpoint.DAEMON.equals(mode);
        Level level = !daemon ? Level.WARNING : debug ? Level.ALL : Level.INFO;
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        Formatter line = daemon ? new DaemonLine(debug) : new RunLine(debug);
        root.addHandler(new StderrHandler(line));
        String file = properties.getOrDefault(FILE, new File(home, "var/log/strata.log").getPath()).trim();
        if (daemon && !file.isEmpty()) {
            long limit = number(properties, LIMIT, DEFAULT_LIMIT, 1, Long.MAX_VALUE);
            int kept = (int) number(properties, KEPT, DEFAULT_KEPT, 0, 1000);
            try {
                root.addHandler(new RotatingLogFile(new File(file).toPath(), limit, kept, line, STDERR));
            } catch (IOException | RuntimeException e) {
                STDERR.println("strata: warning: cannot open the log file " + file + ", logging on stderr only: " + e);
                STDERR.flush();
            }
        }
    }

    /** A whole number setting from {@code min} to {@code max}, or {@code otherwise} when not set. */
    private static long number(Map<String, String> properties, String name, long otherwise, long min, long max)
            throws LauncherException {
        String v = properties.get(name);
        if (v == null || v.isBlank()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new LauncherException("etc/" + FrameworkProperties.FILE + ": " + name + " must be a whole number from "
                + min + " to " + max + ", not '" + v + "'");
    }

    /** Writes each record whole to the stderr descriptor, flushed at once. */
    private static final class StderrHandler extends Handler {
        private final PrintStream stderr = STDERR;

        StderrHandler(Formatter format) {
            setFormatter(format);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            if (isLoggable(record)) {
                stderr.print(getFormatter().format(record));
                stderr.flush();
            }
        }

        @Override
        public void flush() {
            stderr.flush();
        }

        @Override
        public void close() {
            stderr.flush();
        }
    }

    /** The message on one line, then the exception's description; its stack trace below only with --debug. */
    private abstract static class OneLine extends Formatter {
        private final boolean debug;

        OneLine(boolean debug) {
            this.debug = debug;
        }

        abstract String prefix(LogRecord r);

        @Override
        public String format(LogRecord r) {
            StringBuilder line = new StringBuilder(prefix(r)).append(joinLines(formatMessage(r)));
            Throwable thrown = r.getThrown();
            if (thrown != null) {
                line.append(": ").append(joinLines(thrown.toString()));
            }
            line.append(System.lineSeparator());
            if (debug && thrown != null) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            return line.toString();
        }

        private static String joinLines(String s) {
            return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
        }
    }

    /** {@code 2026-01-31 12:00:00.123 INFO org.strata.nbd: message}, with System.Logger's level names. */
    private static final class DaemonLine extends OneLine {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

        DaemonLine(boolean debug) {
            super(debug);
        }

        @Override
        String prefix(LogRecord r) {
            return TIME.format(LocalDateTime.ofInstant(r.getInstant(), ZoneId.systemDefault())) + " "
                    + levelName(r.getLevel()) + " " + r.getLoggerName() + ": ";
        }

        private static String levelName(Level level) {
            int v = level.intValue();
            return v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARNING"
                    : v >= Level.CONFIG.intValue() ? "INFO" : v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
        }
    }

    /** {@code strata: warning: message} or {@code strata: error: message}. */
    private static final class RunLine extends OneLine {
        RunLine(boolean debug) {
            super(debug);
        }

        @Override
        String prefix(LogRecord r) {
            return r.getLevel().intValue() >= Level.SEVERE.intValue() ? "strata: error: " : "strata: warning: ";
        }
    }
}
