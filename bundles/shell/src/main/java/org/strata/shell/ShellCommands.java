package org.strata.shell;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.agent.NodeManager;
import org.strata.core.health.Health;
import org.strata.core.metrics.Metrics;
import org.strata.core.ops.JobManager;
import org.strata.nbd.Exports;

/**
 * Registers every Strata command with Gogo (as {@link Function} services with {@code osgi.command.scope} and
 * {@code osgi.command.function}), whether or not a console is attached: the management socket and
 * {@code strata run} execute them through the CommandProcessor.
 */
@Component(immediate = true)
public final class ShellCommands {

    private final List<ServiceRegistration<Function>> registrations = new ArrayList<>();

    @Activate
    public ShellCommands(BundleContext context, @Reference ImageService images, @Reference NodeManager nodes,
                         @Reference JobManager jobs, @Reference Exports exports, @Reference Health health,
                         @Reference Metrics metrics) {
        List<Command> commands = all(images, nodes, jobs, exports, health, metrics,
                context.getBundle().getVersion().toString());
        for (Command c : commands) {
            String[] parts = c.name().split(":");
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(CommandProcessor.COMMAND_SCOPE, parts[0]);
            props.put(CommandProcessor.COMMAND_FUNCTION, new String[] {parts[1]});
            registrations.add(context.registerService(Function.class, new GogoCommand(c), props));
        }
    }

    /** Every Strata command, in the order the command list and the command reference show them. */
    static List<Command> all(ImageService images, NodeManager nodes, JobManager jobs, Exports exports,
                             Health health, Metrics metrics, String version) {
        OperationRunner runner = new OperationRunner(images, jobs);
        List<Command> commands = new ArrayList<>(List.of(
                new AgentStatusCommand(images, version, exports::listenAddresses),
                new AgentHealthCommand(health),
                new NodeStatsCommand(nodes, metrics),
                new DriverListCommand(images.drivers()),
                new InfoCommand(images),
                new CreateCommand(images),
                new IoCommand(images),
                new MapCommand(images),
                new CompareCommand(images),
                new ResizeCommand(images),
                new BenchCommand(images),
                new CheckCommand(images),
                new ConvertCommand(images, runner),
                new CommitCommand(images, runner),
                new RebaseCommand(images, runner, false),
                new RebaseCommand(images, runner, true),
                new SnapshotCommand(images),
                new MeasureCommand(images),
                new AmendCommand(images),
                new DdCommand(images),
                new BitmapCommand(images)));
        commands.addAll(NodeCommands.all(nodes, exports));
        commands.addAll(ExportCommands.all(exports, images.mode() == Mode.DAEMON));
        commands.addAll(JobCommands.all(jobs));
        commands.add(new CommandListCommand(commands));
        return List.copyOf(commands);
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Function> r : registrations) {
            r.unregister();
        }
        registrations.clear();
    }
}
