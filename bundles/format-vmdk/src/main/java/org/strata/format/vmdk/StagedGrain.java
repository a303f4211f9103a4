package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * One grain of a stream-optimized extent while the guest writes it: the engine writes into this in-memory storage
 * through an ordinary raw mapping; once every byte of the grain has been written (or the extent is flushed, or the
 * writer has moved on to a later grain while no write to this one is on its way) the extent seals it, compresses it
 * and appends it to the file. A sealed
 * grain refuses further writes, as QEMU refuses writes to allocated grains of a stream. Thread-safe.
 */
final class StagedGrain implements Storage {

    private final String location;
    private final long index;
    private final byte[] data;
    private final int limit;
    private final BitSet written;
    private final WhenComplete whenComplete;
    private boolean sealed;
    /** Writes announced by {@link #expectWrite()} that have not arrived yet. */
    private int pending;

    /**
     * @param index        the grain's index in its extent
     * @param content      its content before the guest writes (zeroes, or the parent's data); taken over
     * @param limit        the bytes of the grain inside the extent (less than a grain at the end of the extent)
     * @param whenComplete told once every byte below {@code limit} has been written
     */
    StagedGrain(String location, long index, byte[] content, int limit, WhenComplete whenComplete) {
        this.location = location;
        this.index = index;
        this.data = content;
        this.limit = limit;
        this.written = new BitSet(limit);
        this.whenComplete = whenComplete;
    }

    /** What the extent does with a grain written whole. */
    @FunctionalInterface
    interface WhenComplete {
        void run(StagedGrain grain) throws IOException;
    }

    long index() {
        return index;
    }

    /** Announces a write (the extent handed out a mapping of this grain): the grain is busy until it arrives. */
    synchronized void expectWrite() {
        pending++;
    }

    /** Whether no announced write is still on its way. */
    synchronized boolean idle() {
        return pending == 0;
    }

    /** Ends writing: the grain's bytes, to be compressed (the first {@link #limit()} of them). */
    synchronized byte[] seal() {
        sealed = true;
        return data;
    }

    int limit() {
        return limit;
    }

    @Override
    public String location() {
        return location + " (grain " + index + " being written)";
    }

    @Override
    public String driverName() {
        return "memory";
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public synchronized void read(ByteBuffer dst, long offset) {
        int n = dst.remaining();
        int inside = (int) Math.max(0, Math.min(n, data.length - offset));
        if (inside > 0) {
            dst.put(data, (int) offset, inside);
        }
        while (dst.hasRemaining()) {
            dst.put((byte) 0);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        int n = src.remaining();
        boolean complete;
        synchronized (this) {
            if (sealed) {
                pending = Math.max(0, pending - 1);
                throw new IOException(location + ": Could not write to allocated cluster for streamOptimized");
            }
            if (offset < 0 || offset + n > data.length) {
                throw new IOException(location + ": write past the end of a grain");
            }
            src.get(data, (int) offset, n);
            pending = Math.max(0, pending - 1);
            written.set((int) offset, (int) Math.min(offset + n, limit));
            complete = written.nextClearBit(0) >= limit;
        }
        if (complete) {
            whenComplete.run(this);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        write(ByteBuffer.allocate((int) length), offset);
    }

    @Override
    public void discard(long offset, long length) {
        // the grain is written whole anyway
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void sync() {
        // nothing buffered
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw new UnsupportedFeatureException("a grain has a fixed size");
    }

    @Override
    public void close() {
        // nothing to release
    }
}
