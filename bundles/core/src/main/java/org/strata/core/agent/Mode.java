package org.strata.core.agent;

import java.util.Locale;

/**
 * How the agent runs, from the framework property {@value #PROPERTY} the launcher sets: the long-running daemon
 * (persists nodes and exports, serves NBD, shares backing images between chains) or a short-lived {@code strata run}
 * (none of that). Without the property (a framework started by other means) the agent runs as {@link #RUN}: it
 * never listens or writes state nobody asked for.
 */
public enum Mode {
    DAEMON,
    RUN;

    /** The framework property naming the mode. */
    public static final String PROPERTY = "strata.mode";

    /**
     * The mode {@code value} names ({@code daemon} or {@code run}); {@link #RUN} when absent.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Mode parse(String value) {
        if (value == null) {
            return RUN;
        }
        for (Mode m : values()) {
            if (m.toString().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("Invalid " + PROPERTY + " '" + value + "' (daemon or run)");
    }

    /** The name the launcher uses: {@code daemon} or {@code run}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
