package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

import org.strata.api.ImageFormatException;
import org.strata.api.Storage;

/**
 * The qcow2 image file as the parts of one open image share it: its storage, the header (replaced only by
 * {@link #writeHeader}), the geometry that follows from it, and the rules every metadata write keeps: the overlap
 * check before it ({@link Overlaps}), ordering barriers, the dirty bit of lazy refcounts, and marking the image
 * corrupt when its metadata is found inconsistent. Changed by one caller at a time (under the image's exclusive
 * metadata lock, or its allocation lock); the header, geometry and corrupt flag are read by lookups in parallel.
 */
final class ImageFile {

    private final Storage storage;
    private final String name;
    private final boolean writable;
    private final Overlaps overlaps;
    private volatile Header header;
    private volatile Geometry geometry;
    /** Set once the image was found corrupt: nothing is written any more. */
    private volatile boolean corrupt;
    /** This process set the dirty bit on disk (lazy refcounts in use). */
    private boolean dirtyOnDisk;
    /** Where copy-on-write data waits for a sync before the L2 entries that use it (null: nothing waits). */
    private Storage unsyncedCopies;

    ImageFile(Storage storage, Header header, boolean writable) {
        this.storage = storage;
        this.name = storage.location();
        this.writable = writable;
        this.overlaps = new Overlaps(header.clusterSize());
        this.corrupt = header.corrupt();
        replaceHeader(header);
    }

    /** The image file, for reading metadata and for guest data kept in it (writes go through the checks here). */
    Storage storage() {
        return storage;
    }

    String name() {
        return name;
    }

    boolean writable() {
        return writable;
    }

    boolean corrupt() {
        return corrupt;
    }

    boolean dirtyOnDisk() {
        return dirtyOnDisk;
    }

    Header header() {
        return header;
    }

    Geometry geometry() {
        return geometry;
    }

    long clusterSize() {
        return geometry.clusterSize;
    }

    /** Where the metadata lies: the parts that own a structure report its place here. */
    Overlaps overlaps() {
        return overlaps;
    }

    // ------------------------------------------------------------------ the header

    /** The one way the header changes: {@code next} is encoded, checked like any metadata write, and written. */
    void writeHeader(Header next) throws IOException {
        updateMetadata(Metadata.HEADER, ByteBuffer.wrap(next.encode()), 0);
        replaceHeader(next);
    }

    /** After another process changed the image: the size and tables as the header on disk has them now. */
    void rereadHeader() throws IOException {
        replaceHeader(header.withSizeAndTablesOf(Header.read(storage)));
    }

    private void replaceHeader(Header next) {
        header = next;
        geometry = Geometry.of(next);
        overlaps.headerIs(next);
    }

    // ------------------------------------------------------------------ metadata writes

    /** Writes (part of) an existing structure of kind {@code kind} in its place, after the overlap check. */
    void updateMetadata(Metadata kind, ByteBuffer bytes, long offset) throws IOException {
        requireNoOverlap(offset, bytes.remaining(), kind.noun, kind);
        storage.write(bytes, offset);
    }

    /** Writes a new structure into clusters just allocated for it, after the check that no metadata is there. */
    void writeNewMetadata(String what, ByteBuffer bytes, long offset) throws IOException {
        requireNoOverlap(offset, bytes.remaining(), what);
        storage.write(bytes, offset);
    }

    /**
     * The throwing form of {@link Overlaps#check(long, long)}, before {@code what} is written at
     * {@code [offset, offset+length)} of the image file: an overlap marks the image corrupt.
     */
    void requireNoOverlap(long offset, long length, String what) throws ImageFormatException {
        requireNoOverlap(offset, length, what, null);
    }

    /** As {@link #requireNoOverlap(long, long, String)} for (part of) a structure of kind {@code rewriting}. */
    void requireNoOverlap(long offset, long length, String what, Metadata rewriting) throws ImageFormatException {
        Optional<String> hit = overlaps.check(offset, length, rewriting);
        if (hit.isPresent()) {
            throw corruption(what + " at " + offset + " " + hit.get());
        }
    }

    /** Before metadata is read or written at {@code offset}: it must be a sane cluster of this file. */
    void checkMetadataOffset(long offset, String what) throws ImageFormatException {
        if (offset <= 0 || (offset & (clusterSize() - 1)) != 0 || offset > L2Entry.OFFSET_MASK) {
            throw corruption(what + " offset " + offset + " is invalid");
        }
    }

    /** Copy-on-write data (copies or zero fills) was written to {@code data}: the entries using it must wait. */
    void copiedDataWritten(Storage data) {
        unsyncedCopies = data;
    }

    /**
     * A barrier between writes that must reach the disk in order: what a table, entry or header field points to
     * (a new table, copied data) before the pointer; refcounts before the L2 entries that use them.
     */
    void orderedSync() throws IOException {
        if (unsyncedCopies != null && unsyncedCopies != storage) {
            unsyncedCopies.sync();
        }
        unsyncedCopies = null;
        storage.sync();
    }

    /**
     * The barrier before L2 entries are written, and before freed clusters count as free: refcounts and L2 entries
     * in order, and copied data before the entries that use it. While the dirty bit is set only the copied data
     * needs it: the refcounts are rebuilt on the next open anyway (lazy refcounts).
     */
    void refcountSync() throws IOException {
        if (!dirtyOnDisk || unsyncedCopies != null) {
            orderedSync();
        }
    }

    // ------------------------------------------------------------------ dirty and corrupt

    /** Before the first change with lazy refcounts: sets the dirty bit, after which refcounts may lag on disk. */
    void markDirty() throws IOException {
        if (header.lazyRefcounts() && !dirtyOnDisk && header.version() >= 3) {
            writeHeader(header.withDirty(true));
            storage.sync();
            dirtyOnDisk = true;
        }
    }

    /** Once the refcounts on disk are right (flushed): makes them durable, then clears the dirty bit. */
    void clearDirty() throws IOException {
        storage.sync();
        writeHeader(header.withDirty(false));
        dirtyOnDisk = false;
    }

    /**
     * Records that the metadata is inconsistent: marks the image corrupt on disk (when writable) so nobody writes
     * it again before a check, and returns the exception to throw.
     */
    ImageFormatException corruption(String problem) {
        boolean mark = writable && !corrupt && header.version() >= 3;
        corrupt = true; // before the header write, whose own check may call here again
        if (mark) {
            try {
                writeHeader(header.withCorrupt(true));
                storage.sync();
            } catch (IOException e) {
                // the original problem is what matters
            }
        }
        return new ImageFormatException(name + ": image is corrupt: " + problem
                + "; further writes are refused (run image:check -r all)");
    }

    /** After a check repaired everything: clears the corrupt bit, and the image may be written again. */
    void markRepaired() throws IOException {
        writeHeader(header.withCorrupt(false));
        storage.sync();
        corrupt = false;
    }
}
