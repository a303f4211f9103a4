/**
 * The NBD export service: serves the agent's images to NBD clients (virtual machines, qemu-img, nbdcopy).
 * The agent core registers and removes exports through {@link org.strata.nbd.NbdServer}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.strata.nbd;
