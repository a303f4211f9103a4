package org.strata.launcher.framework;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.strata.launcher.LauncherException;
import org.strata.launcher.wire.Endpoint;

/**
 * The ctl bundle's entry for {@code strata run}: {@link Endpoint#EMBEDDED_RUNNER}, reached by
 * name because the launcher cannot link against a bundle's classes. Its signatures use JDK and OSGi framework
 * types only, which launcher and bundle share. The command runs with the same conventions as over the socket.
 */
final class EmbeddedCtl {

    static final String SYMBOLIC_NAME = "org.strata.ctl";

    private final Bundle bundle;
    private final Class<?> entry;

    private EmbeddedCtl(Bundle bundle, Class<?> entry) {
        this.bundle = bundle;
        this.entry = entry;
    }

    static EmbeddedCtl of(Bundle bundle) throws LauncherException {
        try {
            return new EmbeddedCtl(bundle, bundle.loadClass(Endpoint.EMBEDDED_RUNNER));
        } catch (ClassNotFoundException | RuntimeException e) {
            throw new LauncherException("bundle " + AgentFramework.describe(bundle) + " has no " + Endpoint.EMBEDDED_RUNNER, e);
        }
    }

    /** Pushes etc/*.cfg and etc/*.config to Config Admin (before SCR starts, so components see them at once). */
    void pushConfigurations(File etc) throws LauncherException {
        invoke("pushConfigurations", new Class<?>[] {BundleContext.class, File.class}, context(), etc);
    }

    int execute(List<String> argv, String cwd, boolean tty, boolean debug, List<String> allowRoots)
            throws LauncherException {
        // the process's own descriptors: Gogo's ThreadIO has replaced System.out and System.err by now
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        OutputStream err = new FileOutputStream(FileDescriptor.err);
        Object status = invoke("execute",
                new Class<?>[] {BundleContext.class, List.class, String.class, boolean.class, boolean.class,
                        List.class, InputStream.class, OutputStream.class, OutputStream.class},
                context(), argv, cwd, tty, debug, allowRoots, in, out, err);
        return (Integer) status;
    }

    private BundleContext context() throws LauncherException {
        BundleContext context = bundle.getBundleContext();
        if (context == null) {
            throw new LauncherException("bundle " + AgentFramework.describe(bundle) + " is not active");
        }
        return context;
    }

    private Object invoke(String name, Class<?>[] types, Object... args) throws LauncherException {
        try {
            Method method = entry.getMethod(name, types);
            return method.invoke(null, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new LauncherException(cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new LauncherException(Endpoint.EMBEDDED_RUNNER + "." + name + " is not callable: " + e, e);
        }
    }
}
