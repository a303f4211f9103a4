package org.strata.nbd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;

import org.strata.api.FormatAccess;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.testkit.MemoryStorage;
import org.strata.testkit.TestEngines;

/**
 * A minimal sparse format for tests: 64 KiB clusters in memory that are allocated, explicitly zero, or
 * unallocated (reading from an optional backing image). It gives the server holes, zero clusters and a
 * backing chain to report, which raw files cannot.
 */
final class SparseTestImage implements org.strata.api.FormatImage {

    static final int CLUSTER = 65536;

    private final MemoryStorage data;
    private final FormatAccess backing;
    private final BitSet allocated = new BitSet();
    private final BitSet zero = new BitSet();
    private final long size;

    SparseTestImage(long size, FormatAccess backing) {
        this.size = size;
        this.backing = backing;
        this.data = new MemoryStorage("sparse", size);
    }

    static FormatAccess open(long size, FormatAccess backing) {
        return TestEngines.of(new SparseTestImage(size, backing));
    }

    @Override
    public String formatName() {
        return "sparse-test";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public long zeroGranularity() {
        return CLUSTER;
    }

    @Override
    public synchronized ShallowMapping getMapping(long offset, long maxLength) {
        int c = (int) (offset / CLUSTER);
        int state = state(c);
        long end = offset + maxLength;
        int next = c + 1;
        while ((long) next * CLUSTER < end && state(next) == state) {
            next++;
        }
        long n = Math.min(end, (long) next * CLUSTER) - offset;
        return switch (state) {
            case 1 -> new ShallowMapping.Raw(data, offset, n, true);
            case 2 -> new ShallowMapping.Zero(true, n);
            default -> backing != null && offset < backing.size()
                    ? new ShallowMapping.Indirect(backing, offset, Math.min(n, backing.size() - offset))
                    : new ShallowMapping.Zero(false, n);
        };
    }

    private int state(int cluster) {
        return allocated.get(cluster) ? 1 : zero.get(cluster) ? 2 : 0;
    }

    @Override
    public synchronized ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite)
            throws IOException {
        int c = (int) (offset / CLUSTER);
        if (!allocated.get(c)) {
            // copy on write: the cluster takes what it read before
            ByteBuffer old = ByteBuffer.allocate(CLUSTER);
            long start = (long) c * CLUSTER;
            if (!zero.get(c) && backing != null) {
                backing.read(old, start);
            }
            data.write(old.flip(), start);
            allocated.set(c);
            zero.clear(c);
        }
        long n = Math.min(length, (long) (c + 1) * CLUSTER - offset);
        return new ShallowMapping.Raw(data, offset, n, true);
    }

    @Override
    public synchronized boolean ensureZeroMapping(long offset, long length) {
        mark(offset, length, true);
        return true;
    }

    @Override
    public synchronized boolean discardToZero(long offset, long length) {
        mark(offset, length, true);
        return true;
    }

    @Override
    public synchronized void discardToAny(long offset, long length) {
        mark(offset, length, false);
    }

    @Override
    public synchronized void discardToBacking(long offset, long length) {
        mark(offset, length, false);
    }

    private void mark(long offset, long length, boolean explicitZero) {
        int from = (int) (offset / CLUSTER);
        int to = (int) ((offset + length + CLUSTER - 1) / CLUSTER);
        allocated.clear(from, to);
        if (explicitZero) {
            zero.set(from, to);
        } else {
            zero.clear(from, to);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void invalidateCache() {
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw new IOException("not resizable");
    }

    @Override
    public List<Storage> storages() {
        return List.of(data);
    }

    @Override
    public FormatAccess backing() {
        return backing;
    }

    @Override
    public ImageInfo info() {
        return ImageInfo.simple(size);
    }

    @Override
    public void close() {
    }
}
