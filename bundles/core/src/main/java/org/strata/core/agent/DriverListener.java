package org.strata.core.agent;

/** Told when drivers come and go. Called synchronously: a departing driver's code is still usable. */
public interface DriverListener {

    void driverAdded(DriverInfo driver);

    /** Called before the driver is gone; whatever uses it must be closed before returning. */
    void driverRemoving(DriverInfo driver);
}
