package org.strata.shell;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Supplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.ComponentServiceObjects;
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
 * {@code strata run} execute them through the CommandProcessor. Only the image service is bound at once (every
 * image command uses it); the other services are obtained when a command first uses one ({@link LazyService}),
 * so a run activates only what its command needs.
 */
@Component(immediate = true)
public final class ShellCommands {

    private final List<ServiceRegistration<Function>> registrations = new ArrayList<>();
    private final List<LazyService<?>> services;

    @Activate
    public ShellCommands(BundleContext context, @Reference ImageService images,
                         @Reference ComponentServiceObjects<NodeManager> nodes,
                         @Reference ComponentServiceObjects<JobManager> jobs,
                         @Reference ComponentServiceObjects<Exports> exports,
                         @Reference ComponentServiceObjects<Health> health,
                         @Reference ComponentServiceObjects<Metrics> metrics) {
        LazyService<NodeManager> lazyNodes = new LazyService<>(nodes);
        LazyService<JobManager> lazyJobs = new LazyService<>(jobs);
        LazyService<Exports> lazyExports = new LazyService<>(exports);
        LazyService<Health> lazyHealth = new LazyService<>(health);
        LazyService<Metrics> lazyMetrics = new LazyService<>(metrics);
        services = List.of(lazyNodes, lazyJobs, lazyExports, lazyHealth, lazyMetrics);
        List<Command> commands = all(images, lazyNodes, lazyJobs, lazyExports, lazyHealth, lazyMetrics,
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
    static List<Command> all(ImageService images, Supplier<NodeManager> nodes, Supplier<JobManager> jobs,
                             Supplier<Exports> exports, Supplier<Health> health, Supplier<Metrics> metrics,
                             String version) {
        OperationRunner runner = new OperationRunner(images, jobs);
        List<Command> commands = new ArrayList<>(List.of(
                new AgentStatusCommand(images, version, () -> exports.get().listenAddresses()),
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
        for (LazyService<?> s : services) {
            s.release();
        }
    }
}
