package org.strata.launcher.framework;

import org.apache.felix.framework.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * Felix's own messages go to stderr, one line each (a stack trace only with --debug), so that stdout carries
 * nothing but command output in {@code strata run}.
 */
final class StderrLogger extends Logger {

    private final boolean debug;

    StderrLogger(boolean debug) {
        this.debug = debug;
    }

    @Override
    protected void doLog(Bundle bundle, ServiceReference sr, int level, String msg, Throwable throwable) {
        StringBuilder line = new StringBuilder("strata: framework ").append(levelName(level)).append(": ");
        if (bundle != null) {
            line.append('[').append(bundle.getSymbolicName()).append("] ");
        }
        line.append(msg);
        if (throwable != null) {
            line.append(": ").append(throwable);
        }
        System.err.println(line);
        if (debug && throwable != null) {
            throwable.printStackTrace();
        }
    }

    private static String levelName(int level) {
        switch (level) {
            case LOG_ERROR:
                return "error";
            case LOG_WARNING:
                return "warning";
            case LOG_INFO:
                return "info";
            default:
                return "debug";
        }
    }
}
