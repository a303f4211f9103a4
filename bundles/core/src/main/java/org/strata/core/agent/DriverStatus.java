package org.strata.core.agent;

import java.util.Locale;

/** A registered driver and what it does now, as {@code driver:list} shows it. */
public record DriverStatus(DriverInfo driver, State state) {

    public enum State {
        /** The version that serves its role: the highest registered. */
        SERVING,
        /** Its users are being moved to another version or closed: it is being replaced or removed. */
        DRAINING,
        /** Registered beside a higher version of its role; it serves again if that one leaves. */
        STANDBY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
