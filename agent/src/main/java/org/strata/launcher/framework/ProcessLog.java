package org.strata.launcher.framework;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.strata.cli.wire.Endpoint;

/**
 * The process's log, set up once before the framework starts: java.util.logging, which carries every bundle's
 * {@link System.Logger} and Felix's own messages ({@link FrameworkLogger}). Records go to the process's stderr
 * descriptor, captured here, and never through {@code System.err}, which Gogo redirects per thread to the
 * running command's stderr: the log is the daemon's, never a client's output.
 * <ul>
 * <li>{@code strata daemon}: INFO and up (everything with --debug), one line per record: time, level, logger,
 * message;</li>
 * <li>{@code strata run}: warnings and errors only, each one line {@code strata: warning: MESSAGE}, beside the
 * command's own output and errors on the user's terminal.</li>
 * </ul>
 * An exception adds its one-line description to the record's line; its stack trace follows only with --debug.
 */
final class ProcessLog {

    private ProcessLog() {
    }

    static void configure(String mode, boolean debug) {
        boolean daemon = Endpoint.DAEMON.equals(mode);
        Level level = !daemon ? Level.WARNING : debug ? Level.ALL : Level.INFO;
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        root.addHandler(new StderrHandler(daemon ? new DaemonLine(debug) : new RunLine(debug)));
    }

    /** Writes each record whole to the stderr descriptor, flushed at once. */
    private static final class StderrHandler extends Handler {
        private final PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), false,
                StandardCharsets.UTF_8);

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
