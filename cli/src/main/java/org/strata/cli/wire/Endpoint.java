package org.strata.cli.wire;

/**
 * The names launcher and ctl bundle agree on, besides the frames and {@link EmbeddedAgent}: where the daemon
 * listens, the framework properties the launcher sets, and how the ctl bundle reports back.
 */
public final class Endpoint {

    /** the management socket is HOME/run/strata.sock */
    public static final String RUN_DIRECTORY = "run";
    public static final String SOCKET_NAME = "strata.sock";

    /** framework property: the agent's home, absolute */
    public static final String HOME_PROPERTY = "strata.home";
    /** framework property: {@value #DAEMON} or {@value #RUN} */
    public static final String MODE_PROPERTY = "strata.mode";
    public static final String DAEMON = "daemon";
    public static final String RUN = "run";

    /** a service property of the ctl bundle's marker service: the socket path, once listening */
    public static final String SOCKET_PROPERTY = "strata.ctl.socket";
    /** a service property of the ctl bundle's marker service: one line, when it could not listen */
    public static final String ERROR_PROPERTY = "strata.ctl.error";
    /**
     * a service property of a marker service any bundle registers when its settings in etc/ do not parse at start:
     * one line, naming the file and the setting; the daemon then refuses to start
     */
    public static final String CONFIG_ERROR_PROPERTY = "strata.config.error";

    /** the version of this package (package-info says it too), which the ctl bundle imports */
    public static final String PACKAGE_VERSION = "1.0.0";
    /**
     * This package as the launcher's framework exports it from the system bundle (a value of
     * {@code org.osgi.framework.system.packages.extra}): the ctl bundle then loads these classes from the launcher's
     * class path, so both sides share one {@link EmbeddedAgent} type.
     */
    public static final String SYSTEM_PACKAGE = "org.strata.cli.wire;version=" + PACKAGE_VERSION;

    private Endpoint() {
    }
}
