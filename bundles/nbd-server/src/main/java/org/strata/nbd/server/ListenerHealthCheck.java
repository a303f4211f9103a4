package org.strata.nbd.server;

import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.strata.core.agent.ImageService;
import org.strata.core.agent.Mode;
import org.strata.core.health.HealthCheck;
import org.strata.nbd.NbdServer;

/** The NBD listener: critical when the daemon listens nowhere (a bad address or TLS setting, see the log). */
@Component(service = HealthCheck.class)
public final class ListenerHealthCheck implements HealthCheck {

    private final NbdServer server;
    private final boolean daemon;

    @Activate
    public ListenerHealthCheck(@Reference NbdServer server, @Reference ImageService images) {
        this(server, images.mode() == Mode.DAEMON);
    }

    ListenerHealthCheck(NbdServer server, boolean daemon) {
        this.server = server;
        this.daemon = daemon;
    }

    @Override
    public String name() {
        return "nbd-listener";
    }

    @Override
    public Result check() {
        if (!daemon) {
            return Result.ok("strata run serves no NBD");
        }
        List<String> addresses = server.listenAddresses();
        return addresses.isEmpty() ? Result.critical("the NBD server listens nowhere (see the log for why)")
                : Result.ok("listening on " + String.join(", ", addresses));
    }
}
