package org.strata.api;

/**
 * What a format driver says lies at a guest offset of its own layer, for {@link #length()} bytes.
 * A driver returns at least one byte and never more than it was asked for.
 */
public sealed interface ShallowMapping
        permits ShallowMapping.Raw, ShallowMapping.Indirect, ShallowMapping.Zero, ShallowMapping.Eof,
        ShallowMapping.Special {

    long length();

    /** The data lies in {@code storage} at {@code offset}; {@code writable} when it may be written in place. */
    record Raw(Storage storage, long offset, long length, boolean writable) implements ShallowMapping {
    }

    /** Look into another layer (the backing image) at {@code offset}. */
    record Indirect(FormatAccess layer, long offset, long length) implements ShallowMapping {
    }

    /**
     * Reads as zeroes. {@code explicit} when the image records zeroes (a zero cluster), not when a range is
     * simply unallocated with nothing below.
     */
    record Zero(boolean explicit, long length) implements ShallowMapping {
    }

    /** Past the end of this layer. */
    record Eof(long length) implements ShallowMapping {
    }

    /**
     * Only the driver can read it (compressed or encrypted data), through
     * {@link FormatImage#readSpecial(java.nio.ByteBuffer, long)} at this guest {@code offset}.
     */
    record Special(long offset, long length) implements ShallowMapping {
    }
}
