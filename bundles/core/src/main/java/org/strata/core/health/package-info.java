/**
 * The agent's health: each {@link org.strata.core.health.HealthCheck} service looks at one thing (drivers,
 * nodes, free space, the NBD listener) and answers OK, warning or critical; {@link
 * org.strata.core.health.Health} runs them all for {@code agent:health}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.strata.core.health;
