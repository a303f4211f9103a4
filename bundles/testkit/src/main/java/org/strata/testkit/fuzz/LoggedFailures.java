package org.strata.testkit.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Failures that a protocol end survives but logs: the NBD server and client catch what escapes a connection
 * (an unchecked exception means a parser bug there) and log it. While it is open, this collects from the named
 * loggers every record at ERROR ({@code SEVERE}) or carrying an unchecked exception or an error, and keeps their
 * records off the console (a fuzzer's malformed input makes them warn at every run).
 */
public final class LoggedFailures extends Handler implements AutoCloseable {

    private final List<Logger> loggers = new ArrayList<>();
    private final List<LogRecord> failures = new ArrayList<>();

    private LoggedFailures(String... names) {
        for (String name : names) {
            Logger logger = Logger.getLogger(name);
            logger.addHandler(this);
            logger.setUseParentHandlers(false);
            loggers.add(logger);
        }
    }

    /** Starts collecting from the loggers called {@code names} (and their children). */
    public static LoggedFailures watch(String... names) {
        return new LoggedFailures(names);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        Throwable t = r.getThrown();
        if (r.getLevel().intValue() >= Level.SEVERE.intValue() || t instanceof RuntimeException
                || t instanceof Error) {
            failures.add(r);
        }
    }

    /** Throws AssertionError for the first failure logged since the last call (and forgets them all). */
    public synchronized void assertNone() {
        if (failures.isEmpty()) {
            return;
        }
        LogRecord first = failures.get(0);
        failures.clear();
        throw new AssertionError("logged " + first.getLevel() + ": " + first.getMessage(), first.getThrown());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        for (Logger logger : loggers) {
            logger.removeHandler(this);
            logger.setUseParentHandlers(true);
        }
    }
}
