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
    private boolean armed = true;
    private boolean started;

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

    /**
     * Disarms the hook, unless it has begun already: then the JVM is exiting on a signal, this hook stops the
     * framework, and the calling thread waits here for the exit. (Were it to go on and call System.exit with a
     * non-zero status once the hooks are done, the JVM would halt at once with that status instead of the
     * signal's.)
     */
    void disarm() {
        synchronized (this) {
            armed = false;
            if (!started) {
                return;
            }
        }
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // the exit ends this thread
            }
        }
    }

    @Override
    public void run() {
        synchronized (this) {
            if (!armed) {
                return;
            }
            started = true;
        }
        boolean stopped = framework.stop(STOP_TIMEOUT_MILLIS);
        cleanup.run();
        if (!stopped) {
            System.err.println("strata: the framework did not stop within " + STOP_TIMEOUT_MILLIS / 1000 + " s");
            Runtime.getRuntime().halt(1);
        }
    }
}
