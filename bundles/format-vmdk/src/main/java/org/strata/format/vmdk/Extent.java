package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

import org.strata.api.ShallowMapping;
import org.strata.api.Storage;

/** One extent of a VMDK image: a range of the guest disk kept in one file, flat or sparse. */
sealed interface Extent permits FlatExtent, SparseExtent {

    /** What the extent holds for a run of bytes. */
    enum Kind {
        /** Not allocated: the parent image's data, or zeroes. */
        UNALLOCATED,
        /** A zeroed grain. */
        ZERO,
        /** Plain data at {@link Run#hostOffset} of {@link Run#storage}. */
        DATA,
        /** A compressed grain: only {@link #readCompressed} reads it. */
        COMPRESSED,
        /**
         * A grain of a stream being written ({@link StagedGrain}): read in place, written only through
         * {@link #ensureData}, which tells the grain a write is coming.
         */
        STAGED
    }

    /** A run of {@code length} bytes of one kind; for data, where it lies. */
    record Run(Kind kind, Storage storage, long hostOffset, long length) {
    }

    /** How an extent reads what lies below the image (the parent), to copy it into a new grain. */
    interface Below {
        /** Whether there is a parent to copy from. */
        boolean exists();

        /** Reads the parent at guest {@code offset}, failing when the parent's CID no longer matches. */
        void read(ByteBuffer dst, long offset) throws IOException;
    }

    /** The guest offset of the extent's first byte. */
    long start();

    /** Its size in bytes. */
    long length();

    /** The file it lives in. */
    Storage storage();

    /** What lies at {@code offset} (relative to the extent) for at most {@code max} bytes inside the extent. */
    Run lookup(long offset, long max) throws IOException;

    /**
     * A writable raw mapping at {@code offset} (relative to the extent) for at most {@code length} bytes, allocating
     * (and copying the rest of the grain from {@code below}) where needed.
     */
    ShallowMapping.Raw ensureData(long offset, long length, boolean overwrite, Below below) throws IOException;

    /** Whether the whole range can be recorded as zeroes (whole zeroed grains), as QEMU's dry run decides. */
    boolean canZero(long offset, long length) throws IOException;

    /** Records the range (for which {@link #canZero} said yes) as zeroed grains. */
    void zero(long offset, long length) throws IOException;

    /** Reads {@code dst.remaining()} bytes of a compressed grain at {@code offset} (relative to the extent). */
    void readCompressed(ByteBuffer dst, long offset) throws IOException;

    /** Writes out what the extent holds back (grains of a stream being written). */
    void flush() throws IOException;

    /** Forgets cached metadata. */
    void clearCache() throws IOException;

    /**
     * QEMU's check from {@code offset} on, in steps of the extent's cluster: null when every step is fine, else the
     * error for the first step that is not, with the image sector it is at.
     */
    CheckError check(long offset) throws IOException;

    /** The step of QEMU's check in this extent, in bytes (a grain; a flat extent is one cluster). */
    long checkStep();

    /** The extent's entry in qemu-img info's {@code extents} list (keys in QEMU's order). */
    Map<String, Object> info(String fileName, String type);

    /** A failed check: QEMU's message and the errno text {@code qemu-img check} ends with. */
    record CheckError(String message, String errno) {
    }
}
