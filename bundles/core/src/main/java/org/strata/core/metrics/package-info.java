/**
 * What the agent measures: request counters and latency histograms of nodes and exports ({@link
 * org.strata.core.metrics.IoStats}, kept in the {@link org.strata.core.metrics.Metrics} registry), shown by
 * {@code node:stats} and, when configured, served in Prometheus's text format on loopback.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.strata.core.metrics;
