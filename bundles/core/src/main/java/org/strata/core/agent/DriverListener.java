package org.strata.core.agent;

/** Told when the driver serving a role changes. */
public interface DriverListener {

    /**
     * The driver serving a role ("format:qcow2") changes: a newer version arrived, the serving one is leaving, or
     * a driver arrived for a role nobody served. Called synchronously and one change at a time; whatever uses
     * {@code from} must let go of it before returning ({@code from}'s code stays usable until then).
     *
     * @param from the driver that served until now, or null
     * @param to   the driver that serves from now on, or null when none is left
     */
    void servingChanged(DriverInfo from, DriverInfo to);
}
