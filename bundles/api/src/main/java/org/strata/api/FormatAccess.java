package org.strata.api;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An open image, whatever its format: all guest data I/O over the mappings its driver gives, and every operation
 * on the image (info, check, snapshots, amend, change of backing file). The agent's engine implements it; drivers
 * see it as a backing image ({@link FormatImage#backing()}, {@link ShallowMapping.Indirect}) and as the source of
 * a measurement, and implement none of it.
 *
 * <p>Reads fill the buffer completely (zeroes past the end); writes write everything or fail (never past the end,
 * never to a read-only image). A request spanning several mappings is split into sub-requests, run in parallel up
 * to {@link #setReadParallelization}/{@link #setWriteParallelization}.
 *
 * <p>Thread-safe. Reads, writes and compressed writes run concurrently; everything that frees or moves data
 * (zeroing, discards, resize, cache invalidation) and every change of metadata (check, snapshot changes, amend,
 * change of backing file) runs alone, so nothing is freed while an in-flight request still uses it.
 */
@ProviderType
public interface FormatAccess extends Closeable {

    // ---------------------------------------------------------------- what the image is

    /** The format's name, as its driver's. */
    String formatName();

    /** Guest-visible size in bytes. */
    long size();

    boolean isWritable();

    /** What the driver knows about the image, for {@code image:info}. */
    ImageInfo info() throws IOException;

    /** The backing image opened below this one, or null when there is none or it was not opened. */
    FormatAccess backing();

    /** The storages this layer reads and writes itself (its file first, then an external data file). */
    List<Storage> storages();

    /** The bytes this layer occupies on the host ({@code actual-size}), as its driver counts them; -1 when unknown. */
    long allocatedSize() throws IOException;

    /** How block status ({@code image:map}, measure, convert, NBD) is found for this layer, as its driver says. */
    BlockStatusSource blockStatusSource() throws IOException;

    /** Offset and length alignment that avoids read-modify-write anywhere in the chain. */
    int reqAlign();

    /** Buffer address alignment that avoids bounce buffers anywhere in the chain. */
    int memAlign();

    /** How many sub-requests of one read may run at once (1: one after the other). */
    void setReadParallelization(int n);

    /** How many sub-requests of one write may run at once (1: one after the other). */
    void setWriteParallelization(int n);

    // ---------------------------------------------------------------- mappings

    /** What this layer alone has at {@code offset}, for at most {@code maxLength} bytes. */
    ShallowMapping getShallowMapping(long offset, long maxLength) throws IOException;

    /** What a guest reads at {@code offset}, resolved down the backing chain, for at most {@code maxLength} bytes. */
    Mapping getMapping(long offset, long maxLength) throws IOException;

    /** Makes the range start with a writable raw mapping in this layer (allocating, copying on write). */
    ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException;

    // ---------------------------------------------------------------- data

    /** Reads {@code dst.remaining()} bytes at {@code offset}; bytes past the end read as zeroes. */
    void read(ByteBuffer dst, long offset) throws IOException;

    /** Reads into the buffers one after the other, starting at {@code offset}. */
    default void read(ByteBuffer[] dsts, long offset) throws IOException {
        long pos = offset;
        for (ByteBuffer dst : dsts) {
            int n = dst.remaining();
            read(dst, pos);
            pos += n;
        }
    }

    /** Writes all of {@code src} at {@code offset}. */
    void write(ByteBuffer src, long offset) throws IOException;

    /** Writes the buffers one after the other, starting at {@code offset}. */
    default void write(ByteBuffer[] srcs, long offset) throws IOException {
        long pos = offset;
        for (ByteBuffer src : srcs) {
            int n = src.remaining();
            write(src, pos);
            pos += n;
        }
    }

    /**
     * Copies {@code [offset, offset + length)} of {@code source} to the same guest offsets of this image through
     * {@link Storage#copyFrom}, where the source maps the range to raw data in a storage this image's storage can
     * copy from (a qcow2 source's data clusters, a raw file), allocating this image's clusters as a write does.
     * Returns how many bytes it copied from {@code offset} on; the caller writes the rest (where this image's
     * clusters may already be allocated). Zero ranges of the source are copied by nobody: the caller decides.
     */
    default long copyFrom(FormatAccess source, long offset, long length) throws IOException {
        return 0;
    }

    /** Writes one cluster compressed; see {@link FormatImage#writeCompressed}. */
    void writeCompressed(ByteBuffer src, long offset) throws IOException;

    /**
     * Compresses one cluster now, on the calling thread, and returns the write that places it; see
     * {@link FormatImage#compress}. {@code src} is not used after this returns.
     */
    default PreparedWrite compress(ByteBuffer src, long offset) throws IOException {
        ByteBuffer copy = Buffers.copyOf(src);
        return () -> writeCompressed(copy, offset);
    }

    /** Makes the range read as zeroes, keeping it allocated (format metadata where it can, zero data otherwise). */
    void writeZeroes(long offset, long length) throws IOException;

    /** Makes the range read as zeroes, deallocating what the format and storage can. */
    void discardToZero(long offset, long length) throws IOException;

    /** Deallocates what it can of the range; afterwards the range may read as anything. */
    void discardToAny(long offset, long length) throws IOException;

    /**
     * Makes the range read what the backing image has there (zeroes without one): unallocates it in this layer,
     * copying the backing data into the unaligned edges.
     */
    void discardToBacking(long offset, long length) throws IOException;

    // ---------------------------------------------------------------- caches and size

    /** Writes back cached metadata and hands every buffered write to the storages. */
    void flush() throws IOException;

    /** {@link #flush()}, then makes everything durable. */
    void sync() throws IOException;

    /** Drops cached metadata (after someone else changed the image). */
    void invalidateCache() throws IOException;

    /** Changes the guest-visible size; a grown range is allocated as {@code prealloc} says. */
    void resize(long newSize, Preallocation prealloc) throws IOException;

    /** Grows the image; refuses to shrink it. */
    default void resizeGrow(long newSize, Preallocation prealloc) throws IOException {
        if (newSize < size()) {
            throw new IllegalArgumentException("Cannot grow to " + newSize + ": the image is larger");
        }
        resize(newSize, prealloc);
    }

    /** Shrinks the image; refuses to grow it. */
    default void resizeShrink(long newSize) throws IOException {
        if (newSize > size()) {
            throw new IllegalArgumentException("Cannot shrink to " + newSize + ": the image is smaller");
        }
        resize(newSize, Preallocation.OFF);
    }

    // ---------------------------------------------------------------- metadata operations, each run alone

    /** Checks (and with {@code mode} repairs) the metadata; see {@link FormatImage#check}. */
    CheckResult check(RepairMode mode) throws IOException;

    /** The internal snapshots. */
    List<SnapshotInfo> snapshots() throws IOException;

    void createSnapshot(String name) throws IOException;

    void applySnapshot(String nameOrId) throws IOException;

    void deleteSnapshot(String nameOrId) throws IOException;

    /**
     * Shows an internal snapshot instead of the current state until closed; the image must be open read-only. See
     * {@link FormatImage#loadSnapshot}.
     */
    void loadSnapshot(String id, String name) throws IOException;

    /** Records a different backing file ({@code image:rebase}); see {@link FormatImage#changeBackingFile}. */
    void changeBackingFile(String name, String format) throws IOException;

    /** See {@link FormatImage#dirtyBits}. */
    DirtyBits dirtyBits(String name) throws IOException;

    /** See {@link FormatImage#changeBitmap}. */
    void changeBitmap(BitmapChange change) throws IOException;

    /** Changes format options in place ({@code image:amend}); see {@link FormatImage#amend}. */
    void amend(Map<String, String> options) throws IOException;

    // ---------------------------------------------------------------- lifetime

    /**
     * Makes what was written durable (as QEMU does on close: a no-op for storages in cache mode unsafe), closes the
     * image, then what its opener opened for it. Later calls do nothing.
     */
    @Override
    void close() throws IOException;

    boolean isClosed();
}
