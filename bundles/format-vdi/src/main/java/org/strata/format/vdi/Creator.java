package org.strata.format.vdi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * Writes a new VDI image as QEMU does: the header, the block map right after it (a whole number of sectors), and
 * for a static image every block mapped to the data block of the same index, the file's data area sparse. A
 * device (a storage of fixed size) is never resized; an image that does not fit is refused before anything is
 * written.
 */
final class Creator {

    /** Block map entries written at once, so a map of up to 2 GiB is written in bounded memory. */
    private static final int CHUNK_ENTRIES = 1 << 18;

    private Creator() {
    }

    static void create(Storage storage, CreateOptions options) throws IOException {
        long blocks = Header.blocksFor(options.size());
        long bmapBytes = Header.bmapBytes(blocks);
        long end = Header.SIZE + bmapBytes + (options.isStatic() ? blocks * Header.BLOCK_SIZE : 0);
        if (storage.fixedSize() && end > storage.size()) {
            // qemu-img fails the same way after writing the header (and for a static image, the map)
            throw new IOException(storage.location() + ": " + (options.isStatic() ? "Failed to statically allocate"
                    + " file" : "Error writing bmap") + ": Cannot grow device files (the image needs " + end
                    + " bytes, the device holds " + storage.size() + ")");
        }
        storage.write(Header.forNewImage(options.size(), options.isStatic()), 0);
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_ENTRIES * 4L, bmapBytes))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (long first = 0; first * 4 < bmapBytes; first += CHUNK_ENTRIES) {
            chunk.clear();
            for (long b = first; chunk.hasRemaining(); b++) {
                // the sector's tail past the last entry is zero, as QEMU leaves it
                chunk.putInt(b >= blocks ? 0 : options.isStatic() ? (int) b : BlockMap.UNALLOCATED);
            }
            long at = Header.SIZE + first * 4;
            storage.write(chunk.flip().limit((int) Math.min(chunk.capacity(), bmapBytes - first * 4)), at);
        }
        if (options.isStatic() && !storage.fixedSize()) {
            // the data area stays sparse; on a device it holds whatever the device held, as with qemu-img
            storage.resize(end, Preallocation.OFF);
        }
    }
}
