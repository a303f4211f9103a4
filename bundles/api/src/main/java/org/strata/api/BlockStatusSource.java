package org.strata.api;

/**
 * Where block status ({@code image:map}, measure, convert's zero detection, the NBD server's block status) comes
 * from for a layer of a format, as QEMU's driver of that format reports it. A driver declares it
 * ({@link FormatImage#blockStatusSource()}); nothing above the driver decides by the format's name.
 */
public enum BlockStatusSource {

    /**
     * The storage's status passes through (QEMU's {@code BDRV_BLOCK_RAW}): a hole in the storage is zeroes and not
     * data. Raw.
     */
    STORAGE,

    /**
     * The mappings, and under data the storage's holes read as zeroes (QEMU's {@code BDRV_BLOCK_RECURSE}): a hole
     * under a data mapping is data that reads as zeroes. A fixed VHD, qcow2 with preallocated metadata.
     */
    MAPPINGS_AND_STORAGE_HOLES,

    /** The mappings alone: allocated data is data, whatever the storage holds under it. The default. */
    MAPPINGS,

    /**
     * None: QEMU's driver reports no block status, so every byte of the layer is allocated data without a host
     * offset ({@code qemu-img map} shows one data run; convert reads everything). vhdx in QEMU 7.2.
     */
    NONE;

    /** Whether the storage under a data mapping is asked whether it holds a hole there. */
    public boolean asksStorage() {
        return this == STORAGE || this == MAPPINGS_AND_STORAGE_HOLES;
    }
}
