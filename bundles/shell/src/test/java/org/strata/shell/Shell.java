package org.strata.shell;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.strata.core.agent.DriverRegistry;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.agent.NodeManager;
import org.strata.core.ops.JobManager;
import org.strata.format.raw.RawFormatDriver;
import org.strata.storage.file.FileStorageDriver;
import org.strata.testkit.TestEngines;

/** Runs Strata's commands in-process, as {@code strata run} would, with the real drivers. */
final class Shell {

    /** What a command printed and returned. */
    record Result(int status, String out, String err) {
        Result ok() {
            if (status != 0) {
                throw new AssertionError("status " + status + "\nout: " + out + "\nerr: " + err);
            }
            return this;
        }
    }

    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Path cwd;
    private final List<String> allowRoots;
    private final JobManager jobs;

    /** A shell as {@code strata run} has it: no configured roots, operations inline. */
    Shell(Path cwd) {
        this(cwd, Mode.RUN, List.of());
    }

    /**
     * @param mode       where --job starts background jobs and backing layers are shared: the daemon
     * @param allowRoots roots the caller allows, as {@code --allow-root} before the subcommand would
     */
    Shell(Path cwd, Mode mode, List<String> allowRoots) {
        this(cwd, mode, allowRoots, List.of());
    }

    /** @param configuredRoots the agent's allowed.roots setting (directories and URL prefixes) */
    Shell(Path cwd, Mode mode, List<String> allowRoots, List<String> configuredRoots) {
        this.cwd = cwd;
        this.allowRoots = List.copyOf(allowRoots);
        DriverRegistry registry = new DriverRegistry();
        registry.addStorage(new FileStorageDriver());
        registry.addStorage(new org.strata.storage.nbd.NbdStorageDriver());
        registry.addStorage(new org.strata.storage.http.HttpStorageDriver());
        registry.addFormat(new RawFormatDriver());
        registry.addFormat(new org.strata.format.qcow2.Qcow2FormatDriver());
        registry.addFormat(new org.strata.format.vpc.VpcFormatDriver());
        registry.addFormat(new org.strata.format.vhdx.VhdxFormatDriver());
        registry.addFormat(new org.strata.format.vmdk.VmdkFormatDriver());
        registry.addFormat(new org.strata.format.vdi.VdiFormatDriver());
        ImageService images = new ImageService(registry, TestEngines.ioThreads(), cwd, mode,
                new org.strata.core.agent.AgentSettings(configuredRoots, 5, false));
        jobs = new JobManager();
        NodeManager nodes = new NodeManager(images, registry);
        NoExports exports = new NoExports();
        org.strata.core.health.Health health = new org.strata.core.health.Health();
        org.strata.core.metrics.Metrics metrics = new org.strata.core.metrics.Metrics();
        for (Command c : ShellCommands.all(images, () -> nodes, () -> jobs, () -> exports, () -> health,
                () -> metrics, "0.1.0")) {
            commands.put(c.name(), c);
        }
    }

    /** Every command, in the order the command list shows them. */
    Collection<Command> commands() {
        return Collections.unmodifiableCollection(commands.values());
    }

    JobManager jobs() {
        return jobs;
    }

    /** The names of the commands this shell runs. */
    java.util.Set<String> commandNames() {
        return Collections.unmodifiableSet(commands.keySet());
    }

    private boolean tty;

    /** Whether commands see a terminal (progress redrawn in place) from now on. */
    Shell tty(boolean t) {
        tty = t;
        return this;
    }

    Result run(String command, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8);
        Command c = commands.get(command);
        if (c == null) {
            throw new AssertionError("no command " + command);
        }
        int status = GogoCommand.execute(c, new Invocation(new ArrayList<>(List.of(args)), po, pe, cwd, tty, false,
                allowRoots));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
