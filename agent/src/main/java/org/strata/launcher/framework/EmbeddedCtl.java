package org.strata.launcher.framework;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.strata.cli.wire.EmbeddedAgent;
import org.strata.cli.wire.Request;
import org.strata.launcher.LauncherException;

/**
 * {@code strata run}'s way into the agent: the {@link EmbeddedAgent} service the ctl bundle registers when it
 * starts. Its type comes from the system bundle, that is from the launcher's own class path, so these are plain
 * typed calls; this class only turns their failures into one-line launcher errors.
 */
final class EmbeddedCtl {

    private final EmbeddedAgent agent;

    private EmbeddedCtl(EmbeddedAgent agent) {
        this.agent = agent;
    }

    /** The service, once the ctl bundle has started. */
    static EmbeddedCtl find(BundleContext context, File bundleDir) throws LauncherException {
        ServiceReference<EmbeddedAgent> ref = context.getServiceReference(EmbeddedAgent.class);
        EmbeddedAgent agent = ref == null ? null : context.getService(ref);
        if (agent == null) {
            throw new LauncherException("no " + EmbeddedAgent.class.getSimpleName() + " service: is org.strata.ctl"
                    + " in " + bundleDir + " and started?");
        }
        return new EmbeddedCtl(agent);
    }

    /** Pushes etc/*.cfg and etc/*.config to Config Admin (before SCR starts, so components see them at once). */
    void pushConfigurations(File etc) throws LauncherException {
        try {
            agent.pushConfigurations(etc.toPath());
        } catch (IOException | RuntimeException e) {
            throw new LauncherException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
        }
    }

    /** Runs the command on this process's own stdin, stdout and stderr; returns its exit status. */
    int execute(Request request) throws LauncherException {
        // the process's own descriptors: Gogo's ThreadIO has replaced System.out and System.err by now
        try {
            return agent.execute(request, new FileInputStream(FileDescriptor.in),
                    new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("interrupted", e);
        } catch (RuntimeException e) {
            throw new LauncherException(e.getMessage() != null ? e.getMessage() : e.toString(), e);
        }
    }
}
