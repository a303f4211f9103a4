package org.strata.ctl.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;
import org.strata.ctl.internal.CommandRunner;
import org.strata.launcher.wire.Request;

/**
 * The entry of {@code strata run}, called by the launcher (by name, through this bundle's class loader) with
 * JDK and framework types only. The command runs with exactly the conventions of the management socket
 * ({@link CommandRunner}).
 */
public final class EmbeddedRunner {

    private static final long PROCESSOR_TIMEOUT_MILLIS = 10_000;

    private EmbeddedRunner() {
    }

    /** Pushes etc/*.cfg and etc/*.config to Config Admin; see {@link ConfigFiles}. */
    public static void pushConfigurations(BundleContext context, File etc) throws IOException {
        ConfigFiles.push(context, etc.toPath());
    }

    /** Runs argv (command name, then its arguments as given) and returns its exit status. */
    public static int execute(BundleContext context, List<String> argv, String cwd, boolean tty, boolean debug,
                              List<String> allowRoots, InputStream in, OutputStream out, OutputStream err)
            throws InterruptedException {
        ServiceTracker<CommandProcessor, CommandProcessor> tracker =
                new ServiceTracker<>(context, CommandProcessor.class, null);
        tracker.open();
        try {
            CommandProcessor processor = tracker.waitForService(PROCESSOR_TIMEOUT_MILLIS);
            if (processor == null) {
                throw new IllegalStateException("Gogo's CommandProcessor is not available (is the gogo runtime"
                        + " bundle in bundle/?)");
            }
            Request request = new Request(Request.EXEC, cwd, tty, debug, allowRoots, argv);
            try (CommandRunner runner = new CommandRunner(processor, request, in, out, err)) {
                return runner.runArgv(argv);
            }
        } finally {
            tracker.close();
        }
    }
}
