package org.strata.format.vpc;

import java.io.IOException;

import org.strata.api.ShallowMapping;

/**
 * How an open VHD lays the guest disk out in its file: flat (a fixed disk) or in blocks found through the block
 * allocation table (a dynamic disk). Thread-safe.
 */
interface Layout {

    /** What lies at guest {@code offset}, for at most {@code length} bytes (all inside the disk). */
    ShallowMapping map(long offset, long length) throws IOException;

    /** A writable mapping at the start of the range, allocating where needed; see {@code ensureDataMapping}. */
    ShallowMapping.Raw mapForWrite(long offset, long length, boolean overwrite) throws IOException;

    /** Makes the range read as zeroes without allocating anything; {@code unmap} lets the file punch holes. */
    void zero(long offset, long length, boolean unmap) throws IOException;

    /** The allocation unit qemu-img info reports as cluster_size, 0 for none. */
    long clusterSize();

    /** Whether block status reports holes of the file under data as zeroes, as qemu does for this layout. */
    boolean storageHolesReadAsZeroes();
}
