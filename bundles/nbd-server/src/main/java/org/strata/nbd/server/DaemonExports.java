package org.strata.nbd.server;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.strata.core.agent.DaemonCondition;
import org.strata.nbd.Exports;

/**
 * Holds the exports in the daemon from start to stop: the NBD server listens, and the exports of var/exports.json
 * are served again. Both are delayed components: a {@code strata run} activates them only for a command that uses
 * them.
 */
@Component(immediate = true, service = {}, property = DaemonCondition.ONLY_IN_DAEMON)
public final class DaemonExports {

    @Activate
    public DaemonExports(@Reference Exports exports) {
        // referencing it is the whole point: the exports stay active as long as this component is
    }
}
