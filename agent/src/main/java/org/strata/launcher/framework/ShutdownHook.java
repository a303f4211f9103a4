package org.strata.launcher.framework;

/**
 * Stops the framework when the JVM shuts down without the launcher having done so (SIGTERM, SIGINT, or
 * System.exit from a signal handler), so that components deactivate and images are flushed and closed.
 * Disarmed when the launcher ends on its own path, having stopped the framework itself.
 */
final class ShutdownHook extends Thread {

    private static final long STOP_TIMEOUT_MILLIS = 60_000;

    private final AgentFramework framework;
    private final Runnable cleanup;
    private volatile boolean armed = true;

    private ShutdownHook(AgentFramework framework, Runnable cleanup) {
        super("strata-shutdown");
        this.framework = framework;
        this.cleanup = cleanup;
    }

    static ShutdownHook install(AgentFramework framework, Runnable cleanup) {
        ShutdownHook hook = new ShutdownHook(framework, cleanup);
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    void disarm() {
        armed = false;
    }

    @Override
    public void run() {
        if (!armed) {
            return;
        }
        boolean stopped = framework.stop(STOP_TIMEOUT_MILLIS);
        cleanup.run();
        if (!stopped) {
            System.err.println("strata: the framework did not stop within " + STOP_TIMEOUT_MILLIS / 1000 + " s");
            Runtime.getRuntime().halt(1);
        }
    }
}
