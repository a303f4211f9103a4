package org.strata.launcher.framework;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.osgi.framework.Bundle;
import org.strata.cli.wire.Endpoint;
import org.strata.launcher.CommandLine;
import org.strata.launcher.LauncherException;
import org.strata.launcher.client.DaemonProbe;

/**
 * {@code strata daemon}: the agent in the foreground. bundle/ is installed and started, FileInstall watches
 * etc/ and deploy/ (see etc/config.properties), the ctl bundle serves run/strata.sock. Runs until SIGTERM or
 * SIGINT, then stops the framework and exits 0.
 */
public final class DaemonCommand {

    private static final long SOCKET_TIMEOUT_MILLIS = 20_000;

    private DaemonCommand() {
    }

    public static int run(CommandLine line) throws LauncherException {
        File home = line.home;
        File socket = line.socket();
        if (DaemonProbe.answers(socket)) {
            throw new LauncherException("a daemon is already running for " + home + " (it answers on " + socket + ")");
        }
        File var = new File(home, "var");
        new File(home, "deploy").mkdirs();
        if (!var.isDirectory() && !var.mkdirs()) {
            throw new LauncherException("cannot create " + var);
        }
        // run/ holds the sockets, owner only; made before any bundle starts, since the NBD server may bind a
        // Unix socket there before the management socket's bundle starts
        try {
            Files.createDirectories(socket.toPath().getParent(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | RuntimeException e) {
            throw new LauncherException("cannot create " + socket.getParent() + ": " + e.getMessage(), e);
        }
        AgentFramework framework = AgentFramework.start(home, Endpoint.DAEMON,
                AgentFramework.freshStorage(new File(var, "cache")), line.debug);
        ShutdownHook hook = ShutdownHook.install(framework, () -> { });
        StopSignals.exitZero();
        try {
            File bundleDir = new File(home, "bundle");
            List<Bundle> bundles = framework.install(bundleDir, false, true);
            framework.stopBeforeDrivers(bundles);
            Bundle scr = AgentFramework.require(bundles, AgentFramework.SCR, bundleDir);
            Bundle fileInstall = AgentFramework.require(bundles, AgentFramework.FILEINSTALL, bundleDir);
            Bundle ctl = AgentFramework.require(bundles, AgentFramework.CTL, bundleDir);
            framework.resolveAll();
            framework.startLibrariesAndStrata(bundles.stream().filter(b -> b != ctl).toList(), true);
            framework.startBundle(fileInstall, true);
            framework.startBundle(scr, true);
            // SCR has registered every command by now: the management socket opens last, so a client that finds
            // it never gets "Command not found" for a command still on its way
            framework.startBundle(ctl, true);
            new ManagementSocketWait(framework.context()).await(SOCKET_TIMEOUT_MILLIS);
        } catch (LauncherException | RuntimeException e) {
            hook.disarm();
            framework.stop(SOCKET_TIMEOUT_MILLIS);
            throw e;
        }
        System.out.println("strata: daemon running, home " + home + ", management socket " + socket);
        System.out.flush();
        try {
            framework.awaitStop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        hook.disarm();
        return 0;
    }
}
