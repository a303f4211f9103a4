package org.strata.launcher.framework;

import java.util.logging.Level;

import org.apache.felix.framework.Logger;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** Felix's own messages (as many as felix.log.level lets through) go to the process log ({@link ProcessLog}). */
final class FrameworkLogger extends Logger {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("org.apache.felix.framework");

    @Override
    protected void doLog(Bundle bundle, ServiceReference sr, int level, String msg, Throwable throwable) {
        LOG.log(level(level), bundle == null ? msg : "[" + bundle.getSymbolicName() + "] " + msg, throwable);
    }

    /** What Felix logs without a bundle (its cache, its resolver): Felix's own version prints stack traces. */
    @Override
    protected void doLog(int level, String msg, Throwable throwable) {
        LOG.log(level(level), msg, throwable);
    }

    private static Level level(int felixLevel) {
        switch (felixLevel) {
            case LOG_ERROR:
                return Level.SEVERE;
            case LOG_WARNING:
                return Level.WARNING;
            case LOG_INFO:
                return Level.INFO;
            default:
                return Level.FINE;
        }
    }
}
