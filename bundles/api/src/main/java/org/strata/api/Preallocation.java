package org.strata.api;

import java.util.Locale;

/** How a newly created or grown range is allocated (qemu-img's {@code preallocation} option). */
public enum Preallocation {
    /** Nothing is allocated. */
    OFF,
    /** Only format metadata is allocated (formats with metadata; storages treat it as OFF). */
    METADATA,
    /** Host space is reserved (fallocate) without writing. */
    FALLOC,
    /** Zeroes are written. */
    FULL;

    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Preallocation parse(String value) {
        for (Preallocation p : values()) {
            if (p.optionName().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Invalid preallocation mode: '" + value
                + "' (expected off, metadata, falloc or full)");
    }
}
