package org.strata.launcher.framework;

import java.io.File;
import java.io.IOException;
import java.util.List;

import org.osgi.framework.Bundle;
import org.strata.cli.wire.Endpoint;
import org.strata.cli.wire.Request;
import org.strata.launcher.CommandLine;
import org.strata.launcher.LauncherException;

/**
 * {@code strata run CMD ARGS...}: one command in a framework of this process's own (its cache is held by this
 * run alone, so runs never disturb each other or a daemon; see {@link RunStorage}, which keeps the installed
 * bundles from one run to the next, and JNA's library path: {@link NativeLibraryPath}). bundle/ and deploy/ are installed in place, etc/ is pushed to Config Admin,
 * no FileInstall and no socket; the framework is stopped before exiting with the command's status
 * (after SIGINT or SIGTERM: stopped all the same, then 128 + the signal number).
 */
public final class RunCommand {

    private static final long STOP_TIMEOUT_MILLIS = 60_000;

    private RunCommand() {
    }

    public static int run(CommandLine line, boolean tty) throws LauncherException {
        StartupTiming.mark("launcher");
        File home = line.home;
        RunStorage storage;
        try {
            storage = RunStorage.open(home);
        } catch (IOException e) {
            throw new LauncherException("cannot create a framework cache directory: " + e.getMessage(), e);
        }
        NativeLibraryPath libraryPath = NativeLibraryPath.restore(storage.directory());
        AgentFramework framework;
        try {
            framework = start(home, storage, line.debug);
        } catch (LauncherException e) {
            storage.close();
            throw e;
        }
        StartupTiming.mark("framework started");
        ShutdownHook hook = ShutdownHook.install(framework, storage::close);
        try {
            File bundleDir = new File(home, "bundle");
            List<Bundle> core = framework.install(bundleDir, true, true);
            List<Bundle> drivers = framework.install(new File(home, "deploy"), true, false);
            Bundle scr = AgentFramework.require(core, AgentFramework.SCR, bundleDir);
            framework.stopBeforeDrivers(core);
            storage.markPrepared();
            StartupTiming.mark("bundles installed");
            framework.resolveAll();
            StartupTiming.mark("bundles resolved");
            framework.startLibrariesAndStrata(core, true);
            framework.startLibrariesAndStrata(drivers, false);
            EmbeddedCtl ctl = EmbeddedCtl.find(framework.context(), bundleDir);
            ctl.pushConfigurations(new File(home, "etc"));
            StartupTiming.mark("libraries and configuration ready");
            framework.startBundle(scr, true);
            StartupTiming.mark("components active");
            int status = ctl.execute(line.request(Request.EXEC, tty));
            StartupTiming.mark("command done");
            return status;
        } finally {
            hook.disarm();
            framework.stop(STOP_TIMEOUT_MILLIS);
            libraryPath.keep();
            storage.close();
            StartupTiming.mark("framework stopped");
        }
    }

    /** Starts the framework on the storage's cache; a prepared cache it cannot start from is made afresh. */
    private static AgentFramework start(File home, RunStorage storage, boolean debug) throws LauncherException {
        if (storage.prepared()) {
            try {
                return AgentFramework.start(home, Endpoint.RUN, storage.frameworkProperties(), debug);
            } catch (LauncherException e) {
                storage.discard();
            }
        }
        return AgentFramework.start(home, Endpoint.RUN, storage.frameworkProperties(), debug);
    }
}
