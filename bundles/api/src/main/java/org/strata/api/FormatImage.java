package org.strata.api;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One open image of a format: it translates guest offsets into mappings and keeps its metadata
 * consistent. It does no guest data I/O itself except {@link #readSpecial} and copy-on-write;
 * {@link FormatAccess} does the rest.
 *
 * <p>Thread safety: every method may be called from many threads at once. {@link FormatAccess} calls
 * {@link #getMapping}, {@link #ensureDataMapping}, {@link #readSpecial}, {@link #writeCompressed} and the
 * read-only queries concurrently with each other, and everything that frees or moves data ({@code ensureZeroMapping},
 * the discards, {@code resize}, {@code invalidateCache}) or changes metadata ({@code check}, the snapshot changes,
 * {@code amend}, {@code changeBackingFile}) alone. So {@code ensureDataMapping} must never free a host range
 * that a {@link ShallowMapping.Raw} mapping could still point to; ranges only {@code readSpecial} reads
 * (compressed clusters) it may free, since {@code readSpecial} looks its guest offset up again. Only the engine
 * calls these methods: callers reach an image through its {@link FormatAccess}.
 *
 * <p>All offsets and lengths given to the zeroing and discarding methods are aligned to
 * {@link #zeroGranularity()} ({@link #discardToAny}'s to {@link #discardGranularity()}; the end may also be the
 * image end) and lie inside the image.
 */
public interface FormatImage extends Closeable {

    /** The format's name, as its driver's. */
    String formatName();

    /** Guest-visible size in bytes. */
    long size();

    boolean isWritable();

    /** The smallest unit this format can mark as zero or unallocated (a cluster or subcluster); 1 for raw. */
    long zeroGranularity();

    /**
     * The unit {@link #discardToAny} works in, QEMU's discard alignment for the format: a discard covering less of
     * such a unit leaves it as it is (qcow2 with subclusters zeroes subclusters but discards whole clusters only).
     */
    default long discardGranularity() {
        return zeroGranularity();
    }

    /** What lies at {@code offset} of this layer, for at most {@code maxLength} (at least 1) bytes. */
    ShallowMapping getMapping(long offset, long maxLength) throws IOException;

    /**
     * Makes the range start with a writable {@link ShallowMapping.Raw} mapping, allocating and copying from
     * the backing file (copy-on-write) where needed, and returns that mapping (it may cover less than
     * {@code length}; the caller asks again for the rest). With {@code overwrite}, the caller is about to write
     * the whole returned range, so the driver need not copy into it.
     */
    ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException;

    /**
     * Makes the range read as zeroes, keeping it allocated where it is allocated.
     *
     * @return false when the format cannot record zeroes; the caller then writes zero data
     */
    boolean ensureZeroMapping(long offset, long length) throws IOException;

    /**
     * Makes the range read as zeroes and may deallocate it.
     *
     * @return false when the format cannot; the caller then writes zero data
     */
    boolean discardToZero(long offset, long length) throws IOException;

    /** Deallocates what it can of the range; afterwards it reads as anything (zeroes or the backing file's data). */
    void discardToAny(long offset, long length) throws IOException;

    /**
     * Makes the range read from the backing file (or as zeroes without one): unallocates it in this layer.
     *
     * @throws UnsupportedFeatureException when the format has no backing files
     */
    void discardToBacking(long offset, long length) throws IOException;

    /**
     * Where block status ({@code image:map}, measure, convert, NBD) comes from for this layer, as QEMU's driver of
     * the format reports it: {@link BlockStatusSource#MAPPINGS} by default. May depend on the image (a fixed or
     * dynamic VHD; qcow2 with or without preallocated metadata).
     */
    default BlockStatusSource blockStatusSource() throws IOException {
        return BlockStatusSource.MAPPINGS;
    }

    /** Reads data of a {@link ShallowMapping.Special} mapping: {@code dst.remaining()} bytes at guest {@code offset}. */
    default void readSpecial(ByteBuffer dst, long offset) throws IOException {
        throw new UnsupportedFeatureException(formatName() + " has no special mappings");
    }

    /** Writes back cached metadata, in an order that keeps the image consistent (not the storages' caches). */
    void flush() throws IOException;

    /** Drops cached metadata so it is read again from storage. */
    void invalidateCache() throws IOException;

    /** Grows or shrinks the guest-visible size; a grown range is allocated as {@code prealloc} says. */
    void resize(long newSize, Preallocation prealloc) throws IOException;

    /** The storages this layer reads and writes itself (its file, an external data file), not the backing image's. */
    List<Storage> storages();

    /**
     * The bytes this layer occupies on the host, as qemu-img info's {@code actual-size}: by default those of its
     * own file (the first storage); -1 when unknown.
     */
    default long allocatedSize() throws IOException {
        List<Storage> s = storages();
        return s.isEmpty() ? -1 : s.get(0).allocatedSize();
    }

    /** The backing image opened below this one, or null when there is none or it was not opened. */
    FormatAccess backing();

    ImageInfo info() throws IOException;

    /** Checks (and with {@code mode} repairs) the metadata. */
    default CheckResult check(RepairMode mode) throws IOException {
        throw new UnsupportedFeatureException("This image format does not support checks");
    }

    /** The internal snapshots. */
    default List<SnapshotInfo> snapshots() throws IOException {
        return List.of();
    }

    default void createSnapshot(String name) throws IOException {
        throw new UnsupportedFeatureException("Format " + formatName() + " does not support internal snapshots");
    }

    default void applySnapshot(String nameOrId) throws IOException {
        throw new UnsupportedFeatureException("Format " + formatName() + " does not support internal snapshots");
    }

    default void deleteSnapshot(String nameOrId) throws IOException {
        throw new UnsupportedFeatureException("Format " + formatName() + " does not support internal snapshots");
    }

    /**
     * Shows the internal snapshot whose id is {@code id} and whose name is {@code name} (either may be null: not
     * compared) instead of the current state, until the image is closed, as QEMU's {@code bdrv_snapshot_load_tmp}
     * ({@code qemu-img convert -l}). The image is open read-only; its size stays its current one (what lies beyond
     * the snapshot's tables reads as unallocated).
     *
     * @throws UnsupportedFeatureException when the format has no internal snapshots
     * @throws ImageFormatException        when no snapshot matches ("Can't find snapshot")
     */
    default void loadSnapshot(String id, String name) throws IOException {
        throw new UnsupportedFeatureException("Block format '" + formatName()
                + "' used by device '' does not support temporarily loading internal snapshots");
    }

    /**
     * Writes one cluster compressed (for {@code convert -c}): {@code offset} is cluster-aligned, {@code data}
     * holds one cluster (less at the image end). Only unallocated clusters can be written compressed.
     */
    default void writeCompressed(ByteBuffer data, long offset) throws IOException {
        throw new UnsupportedFeatureException("Compression is not supported for format '" + formatName() + "'");
    }

    /**
     * {@link #writeCompressed} in two steps: the compression now (may run on many threads at once, and changes
     * nothing in the image), the placement when the returned write runs (its own order decides where the
     * cluster lands). {@code data} is not used after this returns. By default nothing is done ahead.
     */
    default PreparedWrite compress(ByteBuffer data, long offset) throws IOException {
        ByteBuffer copy = Buffers.copyOf(data);
        return () -> writeCompressed(copy, offset);
    }

    /**
     * Records a different backing file ({@code image:rebase}): {@code name} as it will be stored (may be relative),
     * {@code format} its format; both null to make the image standalone. Only the header changes; the caller
     * copies data first where the guest-visible content must not change. The open image keeps its old backing
     * until it is reopened.
     */
    default void changeBackingFile(String name, String format) throws IOException {
        throw new UnsupportedFeatureException("Format '" + formatName() + "' has no backing files");
    }

    /** Changes format options of the open image in place ({@code image:amend}), with qemu-img's rules. */
    default void amend(java.util.Map<String, String> options) throws IOException {
        throw new UnsupportedFeatureException("Format driver '" + formatName() + "' does not support option amendment");
    }

    /**
     * The bits of persistent dirty bitmap {@code name} ({@code image:bitmap --merge}'s source).
     *
     * @throws IllegalArgumentException when there is no such bitmap, with qemu's message
     */
    default DirtyBits dirtyBits(String name) throws IOException {
        throw new UnsupportedFeatureException("Format '" + formatName() + "' has no persistent dirty bitmaps");
    }

    /**
     * Makes {@code change} to the image's persistent dirty bitmaps ({@code image:bitmap}), on disk when it returns.
     *
     * @throws IllegalArgumentException when the change cannot be made (no such bitmap, one of that name exists,
     *                                  a granularity out of range), with qemu's message
     */
    default void changeBitmap(BitmapChange change) throws IOException {
        throw new UnsupportedFeatureException("Format '" + formatName() + "' has no persistent dirty bitmaps");
    }

    /** Flushes what is cached and releases the driver's own resources; the storages belong to the opener. */
    @Override
    void close() throws IOException;
}
