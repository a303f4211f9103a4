/**
 * The agent's services: the live driver registry, image opening with the agent's settings, nodes (images
 * kept open, persisted, detached and reattached as their drivers come and go).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.2.0")
package org.strata.core.agent;
