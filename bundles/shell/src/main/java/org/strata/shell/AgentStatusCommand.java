package org.strata.shell;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.strata.cli.Options;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;

/** {@code agent:status}: version, uptime, home and listening addresses. */
final class AgentStatusCommand implements Command {

    private static final Options.Spec OPTIONS = new Options.Spec("agent:status", "")
            .value((char) 0, "output", "human|json", "human (default) or json");

    private final ImageService images;
    private final String version;
    private final Supplier<List<String>> listeners;

    AgentStatusCommand(ImageService images, String version, Supplier<List<String>> listeners) {
        this.images = images;
        this.version = version;
        this.listeners = listeners;
    }

    @Override
    public String summary() {
        return "show the agent's version, uptime, home and listening addresses";
    }

    @Override
    public Options.Spec options() {
        return OPTIONS;
    }

    @Override
    public int run(Invocation inv) {
        Options o = OPTIONS.parse(inv.args);
        o.operands(0, 0, "no arguments");
        long uptime = Duration.between(images.started(), Instant.now()).getSeconds();
        List<String> listening = new ArrayList<>();
        if (images.mode() == Mode.DAEMON) {
            listening.add("unix:" + images.home().resolve("run/strata.sock"));
            for (String a : listeners.get()) {
                listening.add("nbd " + a);
            }
        }
        if (o.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", version);
            m.put("mode", images.mode().toString());
            m.put("uptime-seconds", uptime);
            m.put("home", images.home().toString());
            m.put("listening", listening);
            inv.out.println(Json.GSON.toJson(m));
        } else {
            inv.out.println("Strata " + version);
            inv.out.println("mode: " + images.mode());
            inv.out.printf("uptime: %dd %02dh %02dm %02ds%n", uptime / 86400, uptime / 3600 % 24, uptime / 60 % 60,
                    uptime % 60);
            inv.out.println("home: " + images.home());
            inv.out.println("listening: " + (listening.isEmpty() ? "-" : String.join(", ", listening)));
        }
        return 0;
    }
}
