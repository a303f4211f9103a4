package org.strata.core.image;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * A file an image names that could not be opened while only the image's metadata is wanted
 * ({@link OpenRequest#metadataOnly}): every use of it fails with the reason it could not be opened.
 */
final class UnopenedStorage implements Storage {

    private final String location;
    private final IOException reason;

    UnopenedStorage(String location, IOException reason) {
        this.location = location;
        this.reason = reason;
    }

    private IOException failure() {
        return new IOException(reason.getMessage(), reason);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String driverName() {
        return "none";
    }

    @Override
    public long size() throws IOException {
        throw failure();
    }

    @Override
    public boolean isWritable() {
        return false;
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        throw failure();
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        throw failure();
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        throw failure();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        throw failure();
    }

    @Override
    public void flush() {
        // nothing was written
    }

    @Override
    public void sync() {
        // nothing was written
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw failure();
    }

    @Override
    public void close() {
        // nothing is open
    }
}
