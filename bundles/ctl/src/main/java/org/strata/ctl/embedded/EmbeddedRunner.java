package org.strata.ctl.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;
import org.strata.cli.wire.EmbeddedAgent;
import org.strata.cli.wire.Request;
import org.strata.ctl.internal.CommandRunner;

/**
 * The agent's side of {@code strata run}, registered by {@link Activator}: the command runs with exactly the
 * conventions of the management socket ({@link CommandRunner}).
 */
final class EmbeddedRunner implements EmbeddedAgent {

    private static final long PROCESSOR_TIMEOUT_MILLIS = 10_000;

    private final BundleContext context;

    EmbeddedRunner(BundleContext context) {
        this.context = context;
    }

    /** See {@link ConfigFiles}. */
    @Override
    public void pushConfigurations(Path etc) throws IOException {
        ConfigFiles.push(context, etc);
    }

    @Override
    public int execute(Request request, InputStream in, OutputStream out, OutputStream err)
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
            try (CommandRunner runner = new CommandRunner(processor, request, in, out, err)) {
                return runner.runArgv(request.argv);
            }
        } finally {
            tracker.close();
        }
    }
}
