package org.strata.core.agent;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Holds the node manager in the daemon from start to stop, so the nodes of var/nodes.json reopen at start. The
 * node manager itself is a delayed component: a {@code strata run} activates it only for a command that uses it.
 */
@Component(immediate = true, service = {}, property = DaemonCondition.ONLY_IN_DAEMON)
public final class DaemonNodes {

    @Activate
    public DaemonNodes(@Reference NodeManager nodes) {
        // referencing it is the whole point: the node manager stays active as long as this component is
    }
}
