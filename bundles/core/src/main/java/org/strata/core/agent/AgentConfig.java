package org.strata.core.agent;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The agent's settings, configuration PID {@code org.strata.agent} (etc/org.strata.agent.cfg). */
@ObjectClassDefinition(name = "Strata agent", description = "Settings of the Strata storage agent")
public @interface AgentConfig {

    @AttributeDefinition(name = "Allowed roots", description = "Directories and URL prefixes (http://HOST/DIR,"
            + " nbd://HOST:PORT/) below which files named inside images may be opened, besides the directory of the"
            + " image a user names")
    String[] allowed_roots() default {};

    @AttributeDefinition(name = "Pause timeout", description = "Seconds a request to a node waits while the node"
            + " is detached (its driver being replaced) before it fails")
    int pause_timeout() default 60;

    @AttributeDefinition(name = "Restrict nodes to the roots", description = "When true, node:add opens only images"
            + " below the allowed roots (and --allow-root may not widen them)")
    boolean nodes_restrict_to_roots() default false;
}
