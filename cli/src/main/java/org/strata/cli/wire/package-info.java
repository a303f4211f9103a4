/**
 * What {@code bin/strata}'s launcher and the agent's ctl bundle share: the management socket's protocol
 * ({@link org.strata.cli.wire.Frame}, {@link org.strata.cli.wire.Request}, {@link org.strata.cli.wire.FrameChannel}),
 * the names in {@link org.strata.cli.wire.Endpoint}, and {@link org.strata.cli.wire.EmbeddedAgent}, the typed entry
 * point of {@code strata run}.
 *
 * <p>The launcher has this package on its class path (lib/strata-cli.jar) and exports it from its framework's system
 * bundle ({@link org.strata.cli.wire.Endpoint#SYSTEM_PACKAGE}); the ctl bundle imports it. So there is one copy of
 * each class in the process, and an {@code EmbeddedAgent} the ctl bundle registers is the type the launcher
 * compiled against.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version(org.strata.cli.wire.Endpoint.PACKAGE_VERSION)
package org.strata.cli.wire;
