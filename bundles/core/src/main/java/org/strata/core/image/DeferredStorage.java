package org.strata.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

import org.strata.api.BlockStatus;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * The storage of an image being created, created when the format driver first uses it. Drivers check the whole
 * request (options, size, backing file) before they write, so a request they refuse leaves no new file behind and
 * an existing file untouched, as qemu-img does.
 */
final class DeferredStorage implements Storage {

    /** Creates the storage object. */
    @FunctionalInterface
    interface Creation {
        Storage create() throws IOException;
    }

    private final String location;
    private final String driverName;
    private final Creation creation;
    private Storage storage;

    DeferredStorage(String location, String driverName, Creation creation) {
        this.location = location;
        this.driverName = driverName;
        this.creation = creation;
    }

    private synchronized Storage storage() throws IOException {
        if (storage == null) {
            storage = creation.create();
        }
        return storage;
    }

    private synchronized Optional<Storage> created() {
        return Optional.ofNullable(storage);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String driverName() {
        return driverName;
    }

    @Override
    public long size() throws IOException {
        return storage().size();
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    /** Creation opens without O_DIRECT: no alignment until the storage says otherwise. */
    @Override
    public int reqAlign() {
        return created().map(Storage::reqAlign).orElse(1);
    }

    @Override
    public int memAlign() {
        return created().map(Storage::memAlign).orElse(1);
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        storage().read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        storage().write(src, offset);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        storage().writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        storage().discard(offset, length);
    }

    @Override
    public void flush() throws IOException {
        storage().flush();
    }

    @Override
    public void sync() throws IOException {
        storage().sync();
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        storage().resize(newSize, prealloc);
    }

    @Override
    public BlockStatus blockStatus(long offset, long maxLength) throws IOException {
        return storage().blockStatus(offset, maxLength);
    }

    @Override
    public long allocatedSize() throws IOException {
        return storage().allocatedSize();
    }

    @Override
    public Optional<Path> localPath() {
        return created().flatMap(Storage::localPath);
    }

    @Override
    public void close() throws IOException {
        Optional<Storage> s = created();
        if (s.isPresent()) {
            s.get().close();
        }
    }
}
