package org.strata.api;

/**
 * A mapping resolved down the backing chain by {@link FormatAccess#getMapping(long, long)}.
 * {@code depth} counts the layers passed through: 0 for the top image.
 */
public sealed interface Mapping permits Mapping.Raw, Mapping.Zero, Mapping.Eof, Mapping.Special {

    long length();

    int depth();

    record Raw(Storage storage, long offset, long length, boolean writable, int depth) implements Mapping {
    }

    /**
     * Reads as zeroes. {@code explicit} only when the top layer records the zeroes; zeroes found below
     * the top, or a range unallocated in the whole chain, are not explicit.
     */
    record Zero(boolean explicit, long length, int depth) implements Mapping {
    }

    /** Past the end of the top layer. (Below the top, a layer's end reads as zeroes.) */
    record Eof(long length, int depth) implements Mapping {
    }

    /** Data only {@code layer}'s driver can read, at {@code offset} of that layer. */
    record Special(FormatAccess layer, long offset, long length, int depth) implements Mapping {
    }
}
