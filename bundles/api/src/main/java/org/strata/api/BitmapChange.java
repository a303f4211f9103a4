package org.strata.api;

import java.util.Objects;

/**
 * One change to an image's persistent dirty bitmaps, as {@code qemu-img bitmap} makes it.
 *
 * @param action      what changes
 * @param name        the bitmap changed
 * @param granularity for {@link Action#ADD}: bytes per bit, 0 for the format's default
 * @param source      for {@link Action#MERGE}: the bits set in the bitmap as well
 */
public record BitmapChange(Action action, String name, long granularity, DirtyBits source) {

    /** The changes qemu-img bitmap knows. */
    public enum Action {
        /** a new, empty, enabled bitmap */
        ADD,
        /** the bitmap and its bits go */
        REMOVE,
        /** every bit cleared */
        CLEAR,
        /** records writes from now on */
        ENABLE,
        /** records no more writes */
        DISABLE,
        /** the source's bits set as well */
        MERGE
    }

    public BitmapChange {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(name, "name");
        if ((action == Action.MERGE) != (source != null)) {
            throw new IllegalArgumentException("a merge, and only a merge, has source bits");
        }
    }

    public static BitmapChange add(String name, long granularity) {
        return new BitmapChange(Action.ADD, name, granularity, null);
    }

    public static BitmapChange of(Action action, String name) {
        return new BitmapChange(action, name, 0, null);
    }

    public static BitmapChange merge(String name, DirtyBits source) {
        return new BitmapChange(Action.MERGE, name, 0, source);
    }
}
