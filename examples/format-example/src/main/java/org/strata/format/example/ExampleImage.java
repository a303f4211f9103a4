package org.strata.format.example;

import java.io.IOException;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * One open example image. A format driver does no guest I/O: it answers "what lies at guest offset X?" with a
 * {@link ShallowMapping}, and the agent's engine reads and writes the bytes there. Here every guest offset lies in the
 * image's own file, {@link Header#SIZE} bytes further on, so every answer is a {@link ShallowMapping.Raw} mapping.
 *
 * <p>The engine calls these methods from many threads at once (see {@link FormatImage} for its locking rule); the
 * one field that changes, the size, is volatile.
 */
final class ExampleImage implements FormatImage {

    private final Storage storage;
    private final boolean writable;
    private volatile long size;

    ExampleImage(Storage storage, Header header, boolean writable) {
        this.storage = storage;
        this.writable = writable;
        this.size = header.virtualSize();
    }

    @Override
    public String formatName() {
        return "example";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    /** Any byte range can be zeroed on its own. */
    @Override
    public long zeroGranularity() {
        return 1;
    }

    /** The data of the whole range lies in the file right after the header (a format with clusters would look up a table here). */
    @Override
    public ShallowMapping getMapping(long offset, long maxLength) {
        return new ShallowMapping.Raw(storage, Header.SIZE + offset, maxLength, writable);
    }

    /** Every range is already mapped, so nothing is allocated (a sparse format allocates here, and copies on write). */
    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) {
        return new ShallowMapping.Raw(storage, Header.SIZE + offset, length, writable);
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        storage.writeZeroes(Header.SIZE + offset, length, false);
        return true;
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        storage.writeZeroes(Header.SIZE + offset, length, true);
        return true;
    }

    @Override
    public void discardToAny(long offset, long length) throws IOException {
        storage.discard(Header.SIZE + offset, length);
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        throw new UnsupportedFeatureException("example images have no backing file");
    }

    /** Nothing cached: the header is written when it changes. */
    @Override
    public void flush() {
    }

    @Override
    public void invalidateCache() throws IOException {
        size = Header.read(storage).virtualSize();
    }

    /** Metadata first when shrinking, the file first when growing: the header never claims bytes the file lacks. */
    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        if (newSize > Header.MAX_VIRTUAL_SIZE) {
            throw new IllegalArgumentException("Image size must be at most " + Header.MAX_VIRTUAL_SIZE + " bytes");
        }
        Preallocation data = prealloc == Preallocation.METADATA ? Preallocation.OFF : prealloc; // no metadata to preallocate
        if (newSize < size) {
            new Header(newSize).write(storage);
            storage.resize(Header.SIZE + newSize, data);
        } else {
            storage.resize(Header.SIZE + newSize, data);
            new Header(newSize).write(storage);
        }
        size = newSize;
    }

    @Override
    public List<Storage> storages() {
        return List.of(storage);
    }

    /** No backing files in this format. */
    @Override
    public FormatAccess backing() {
        return null;
    }

    @Override
    public ImageInfo info() {
        return ImageInfo.simple(size);
    }

    /** Nothing of its own to release: the storage belongs to whoever opened the image. */
    @Override
    public void close() {
    }
}
