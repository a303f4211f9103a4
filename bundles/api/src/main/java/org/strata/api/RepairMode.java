package org.strata.api;

/** What {@code image:check -r} may repair. */
public enum RepairMode {
    NONE, LEAKS, ALL
}
