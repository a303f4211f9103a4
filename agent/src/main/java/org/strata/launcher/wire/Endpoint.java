package org.strata.launcher.wire;

/**
 * The names launcher and ctl bundle agree on, besides the frames: where the daemon listens, the framework
 * properties the launcher sets, and how the ctl bundle reports back.
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

    /** the class in the ctl bundle that {@code strata run} calls, by name */
    public static final String EMBEDDED_RUNNER = "org.strata.ctl.embedded.EmbeddedRunner";

    private Endpoint() {
    }
}
