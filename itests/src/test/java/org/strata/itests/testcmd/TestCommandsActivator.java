package org.strata.itests.testcmd;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * A test-only bundle of Gogo commands (scope {@code test}) that shows what the socket and {@code strata run}
 * hand to a command. On stop it writes {@code var/testcmd-stopped}, proving the framework was stopped cleanly.
 */
public final class TestCommandsActivator implements BundleActivator {

    private Path home;

    @Override
    public void start(BundleContext context) {
        home = Path.of(context.getProperty("strata.home"));
        register(context, "echo", TestCommandsActivator::echo);
        register(context, "exit", (session, args) -> {
            session.put("strata.exit", Integer.valueOf(args.get(0).toString()));
            return null;
        });
        register(context, "fail", (session, args) -> {
            throw new IllegalStateException("deliberate failure\nwith a second line");
        });
        register(context, "env", TestCommandsActivator::env);
        register(context, "sleep", (session, args) -> {
            System.out.println("sleeping");
            System.out.flush();
            Thread.sleep(Long.parseLong(args.get(0).toString()));
            System.out.println("slept");
            return null;
        });
        register(context, "mode", (session, args) -> context.getProperty("strata.mode"));
        register(context, "log", (session, args) -> {
            System.getLogger("org.strata.itests").log(System.Logger.Level.valueOf(args.get(0).toString()),
                    args.get(1).toString());
            return null;
        });
        register(context, "config", (session, args) -> config(context, args.get(0).toString(), args.get(1).toString()));
        register(context, "active", (session, args) -> active(context, session, args));
    }

    @Override
    public void stop(BundleContext context) throws IOException {
        if ("daemon".equals(context.getProperty("strata.mode"))) {
            Files.writeString(home.resolve("var").resolve("testcmd-stopped"), "stopped\n");
        }
    }

    private static void register(BundleContext context, String name, Function function) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("osgi.command.scope", "test");
        properties.put("osgi.command.function", name);
        context.registerService(Function.class, function, properties);
    }

    /** Each argument on its own line as {@code [value]}, with its class when it is not a String. */
    private static Object echo(CommandSession session, List<Object> args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (Object a : args) {
            out.println("[" + a + "]" + (a instanceof String ? "" : " " + (a == null ? "null" : a.getClass().getName())));
        }
        return null;
    }

    /**
     * Runs the command SCOPE:FUNCTION named by the first argument with the other arguments, then prints the name
     * of each Declarative Services component active after it, one a line as {@code active: NAME}, sorted.
     */
    private static Object active(BundleContext context, CommandSession session, List<Object> args) throws Exception {
        String[] name = args.get(0).toString().split(":");
        ServiceReference<?>[] commands = context.getServiceReferences(Function.class.getName(),
                "(&(osgi.command.scope=" + name[0] + ")(osgi.command.function=" + name[1] + "))");
        ((Function) context.getService(commands[0])).execute(session, args.subList(1, args.size()));
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        List<String> active = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.ACTIVE) {
                    active.add(d.name);
                }
            }
        }
        Collections.sort(active);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (String a : active) {
            out.println("active: " + a);
        }
        return null;
    }

    /** The value of KEY in the configuration whose PID (or factory PID) is PID, as Config Admin has it now. */
    private static Object config(BundleContext context, String pid, String key) throws Exception {
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        ConfigurationAdmin admin = context.getService(ref);
        try {
            Configuration[] found = admin.listConfigurations(
                    "(|(service.pid=" + pid + ")(service.factoryPid=" + pid + "))");
            if (found == null) {
                return "no configuration " + pid;
            }
            Object value = found[0].getProperties().get(key);
            return key + "=" + value + (value == null || value instanceof String ? "" : " (" + value.getClass().getName() + ")");
        } finally {
            context.ungetService(ref);
        }
    }

    private static Object env(CommandSession session, List<Object> args) {
        System.out.println("cwd=" + session.currentDir());
        System.out.println("tty=" + session.get("strata.tty"));
        System.out.println("debug=" + session.get("strata.debug"));
        System.out.println("allowRoots=" + session.get("strata.allowRoots"));
        System.err.println("this goes to stderr");
        return null;
    }
}
