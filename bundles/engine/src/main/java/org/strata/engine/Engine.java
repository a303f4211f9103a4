package org.strata.engine;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.strata.api.Align;
import org.strata.api.BitmapChange;
import org.strata.api.BlockStatusSource;
import org.strata.api.Buffers;
import org.strata.api.CheckResult;
import org.strata.api.DirtyBits;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageInfo;
import org.strata.api.Mapping;
import org.strata.api.Preallocation;
import org.strata.api.PreparedWrite;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.SnapshotInfo;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * The engine: an open image, whatever its format, with all guest data I/O done here over the mappings its driver
 * gives, and every operation on the image run under one read/write lock. The driver is reached only from here.
 *
 * <p>Reads, writes, allocation, compressed writes and queries take the shared side of the lock; everything that
 * frees or moves data (zeroing, discards, resize, cache invalidation) or changes metadata (check, snapshot
 * changes, amend, change of backing file) takes the exclusive side, as {@link FormatImage}'s contract requires.
 */
public final class Engine implements FormatAccess {

    private final FormatImage image;
    private final Closeable resources;
    private final Executor executor;
    private final WriteGate gate;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile int readParallelization = 1;
    private volatile int writeParallelization = 1;
    private volatile boolean closed;

    /**
     * @param resources closed after the image: the storages and backing images its opener opened for it
     * @param executor  runs parallel sub-requests
     */
    public Engine(FormatImage image, Closeable resources, Executor executor) {
        this(image, resources, executor, WriteGate.OPEN);
    }

    /** @param gate lets each write of data through, or refuses it */
    public Engine(FormatImage image, Closeable resources, Executor executor, WriteGate gate) {
        this.image = image;
        this.resources = resources;
        this.executor = executor;
        this.gate = gate;
    }

    @Override
    public String formatName() {
        return image.formatName();
    }

    @Override
    public long size() {
        return image.size();
    }

    @Override
    public boolean isWritable() {
        return image.isWritable();
    }

    @Override
    public ImageInfo info() throws IOException {
        return shared(image::info);
    }

    @Override
    public FormatAccess backing() {
        return image.backing();
    }

    @Override
    public List<Storage> storages() {
        return image.storages();
    }

    @Override
    public long allocatedSize() throws IOException {
        return image.allocatedSize();
    }

    @Override
    public BlockStatusSource blockStatusSource() throws IOException {
        return image.blockStatusSource();
    }

    @Override
    public int reqAlign() {
        int align = 1;
        for (Storage s : image.storages()) {
            align = Math.max(align, s.reqAlign());
        }
        FormatAccess backing = image.backing();
        return backing == null ? align : Math.max(align, backing.reqAlign());
    }

    @Override
    public int memAlign() {
        int align = 1;
        for (Storage s : image.storages()) {
            align = Math.max(align, s.memAlign());
        }
        FormatAccess backing = image.backing();
        return backing == null ? align : Math.max(align, backing.memAlign());
    }

    @Override
    public void setReadParallelization(int n) {
        readParallelization = Math.max(1, n);
    }

    @Override
    public void setWriteParallelization(int n) {
        writeParallelization = Math.max(1, n);
    }

    // ---------------------------------------------------------------- mappings

    @Override
    public ShallowMapping getShallowMapping(long offset, long maxLength) throws IOException {
        ensureOpen();
        if (offset < 0 || maxLength <= 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + maxLength);
        }
        long size = image.size();
        if (offset >= size) {
            return new ShallowMapping.Eof(maxLength);
        }
        ShallowMapping m = image.getMapping(offset, Math.min(maxLength, size - offset));
        if (m.length() <= 0) {
            throw new IllegalStateException(formatName() + " driver returned an empty mapping at " + offset);
        }
        return m;
    }

    @Override
    public Mapping getMapping(long offset, long maxLength) throws IOException {
        FormatAccess layer = this;
        long layerOffset = offset;
        long length = maxLength;
        int depth = 0;
        while (true) {
            ShallowMapping m = layer.getShallowMapping(layerOffset, length);
            length = Math.min(length, m.length());
            if (m instanceof ShallowMapping.Raw r) {
                return new Mapping.Raw(r.storage(), r.offset(), length, r.writable() && depth == 0, depth);
            } else if (m instanceof ShallowMapping.Indirect i) {
                layer = i.layer();
                layerOffset = i.offset();
                depth++;
            } else if (m instanceof ShallowMapping.Zero z) {
                return new Mapping.Zero(z.explicit() && depth == 0, length, depth);
            } else if (m instanceof ShallowMapping.Eof) {
                return depth == 0 ? new Mapping.Eof(length, 0) : new Mapping.Zero(false, length, depth);
            } else {
                ShallowMapping.Special s = (ShallowMapping.Special) m;
                return new Mapping.Special(layer, s.offset(), length, depth);
            }
        }
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        checkWrite(offset, length);
        Lock l = lock.readLock();
        l.lock();
        try {
            return ensureDataMappingLocked(offset, length, overwrite);
        } finally {
            l.unlock();
        }
    }

    private ShallowMapping.Raw ensureDataMappingLocked(long offset, long length, boolean overwrite)
            throws IOException {
        ShallowMapping.Raw raw = image.ensureDataMapping(offset, length, overwrite);
        if (raw.length() <= 0 || !raw.writable()) {
            throw new IllegalStateException(formatName() + " driver returned no writable mapping at " + offset);
        }
        return raw;
    }

    // ---------------------------------------------------------------- data I/O

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        Lock l = lock.readLock();
        l.lock();
        try {
            int total = dst.remaining();
            if (total == 0) {
                return;
            }
            Mapping first = getMapping(offset, total);
            if (first.length() >= total) {
                // the common case: one mapping covers the request, no sub-requests to split or run in parallel
                readMapping(first, dst);
            } else {
                readSplit(dst, offset, first);
            }
        } finally {
            l.unlock();
        }
        dst.position(dst.limit());
    }

    private void readSplit(ByteBuffer dst, long offset, Mapping first) throws IOException {
        try (SubRequests batch = new SubRequests(readParallelization, executor)) {
            int total = dst.remaining();
            int done = 0;
            Mapping m = first;
            while (true) {
                int n = (int) m.length();
                ByteBuffer part = Buffers.window(dst, done, n);
                Mapping current = m;
                batch.run(() -> readMapping(current, part));
                done += n;
                if (done >= total) {
                    break;
                }
                m = getMapping(offset + done, total - done);
            }
        }
    }

    private void readMapping(Mapping m, ByteBuffer dst) throws IOException {
        if (m instanceof Mapping.Raw r) {
            r.storage().read(dst, r.offset());
        } else if (m instanceof Mapping.Special s) {
            if (s.depth() == 0) {
                image.readSpecial(dst, s.offset());
            } else {
                // a backing layer's special data: read through that layer, under its own lock
                s.layer().read(dst, s.offset());
            }
        } else {
            Buffers.fillZero(dst);
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWrite(offset, src.remaining());
        gate.check(this, src, offset);
        Lock l = lock.readLock();
        l.lock();
        try {
            writeLocked(src, offset);
        } finally {
            l.unlock();
        }
    }

    private void writeLocked(ByteBuffer src, long offset) throws IOException {
        int total = src.remaining();
        if (total == 0) {
            return;
        }
        ShallowMapping first = getShallowMapping(offset, total);
        if (first instanceof ShallowMapping.Raw r && r.writable() && r.length() >= total) {
            // the common case: the range is already writable in place as a whole
            r.storage().write(src, r.offset());
        } else {
            writeSplit(src, offset, first);
        }
        src.position(src.limit());
    }

    private void writeSplit(ByteBuffer src, long offset, ShallowMapping first) throws IOException {
        try (SubRequests batch = new SubRequests(writeParallelization, executor)) {
            int total = src.remaining();
            int done = 0;
            ShallowMapping m = first;
            while (true) {
                long pos = offset + done;
                int remaining = total - done;
                ShallowMapping.Raw raw = m instanceof ShallowMapping.Raw r && r.writable()
                        ? r : ensureDataMappingLocked(pos, remaining, true);
                int n = (int) Math.min(raw.length(), remaining);
                ByteBuffer part = Buffers.window(src, done, n);
                batch.run(() -> raw.storage().write(part, raw.offset()));
                done += n;
                if (done >= total) {
                    break;
                }
                m = getShallowMapping(offset + done, total - done);
            }
        }
    }

    /**
     * Copies through the storages while the source maps the range to raw data and the target's storage can copy
     * from the source's. Both images' shared sides are held, so neither side's clusters move or are freed meanwhile.
     */
    @Override
    public long copyFrom(FormatAccess source, long offset, long length) throws IOException {
        checkWrite(offset, length);
        if (!(source instanceof Engine from) || length == 0) {
            return 0;
        }
        return shared(() -> from.shared(() -> copyLocked(from, offset, length)));
    }

    private long copyLocked(Engine from, long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            long pos = offset + done;
            if (!(from.getMapping(pos, length - done) instanceof Mapping.Raw in)) {
                break;
            }
            ShallowMapping.Raw out = ensureDataMappingLocked(pos, in.length(), true);
            long n = Math.min(in.length(), out.length());
            long copied = out.storage().copyFrom(in.storage(), in.offset(), out.offset(), n);
            done += copied;
            if (copied < n) {
                break;
            }
        }
        return done;
    }

    @Override
    public void writeCompressed(ByteBuffer src, long offset) throws IOException {
        compress(src, offset).write();
    }

    @Override
    public PreparedWrite compress(ByteBuffer src, long offset) throws IOException {
        checkWrite(offset, src.remaining());
        PreparedWrite prepared = shared(() -> image.compress(src, offset));
        return () -> shared(() -> {
            prepared.write();
            return null;
        });
    }

    // ---------------------------------------------------------------- zeroes and discards

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        zeroRange(offset, length, false);
    }

    @Override
    public void discardToZero(long offset, long length) throws IOException {
        zeroRange(offset, length, true);
    }

    private void zeroRange(long offset, long length, boolean unmap) throws IOException {
        checkWrite(offset, length);
        exclusively(() -> {
            long[] middle = alignedMiddle(offset, length);
            if (middle == null) {
                writeZeroData(offset, length);
                return;
            }
            writeZeroData(offset, middle[0] - offset);
            long n = middle[1] - middle[0];
            boolean done = unmap ? image.discardToZero(middle[0], n) : image.ensureZeroMapping(middle[0], n);
            if (!done) {
                writeZeroData(middle[0], n);
            }
            writeZeroData(middle[1], offset + length - middle[1]);
        });
    }

    @Override
    public void discardToAny(long offset, long length) throws IOException {
        checkWrite(offset, length);
        exclusively(() -> {
            // what does not cover a whole unit of the format's discards is left as it is, as QEMU leaves it
            long[] middle = alignedMiddle(offset, length, image.discardGranularity());
            if (middle != null) {
                image.discardToAny(middle[0], middle[1] - middle[0]);
            }
        });
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        checkWrite(offset, length);
        exclusively(() -> {
            long[] middle = alignedMiddle(offset, length);
            if (middle == null) {
                copyFromBacking(offset, length);
                return;
            }
            copyFromBacking(offset, middle[0] - offset);
            image.discardToBacking(middle[0], middle[1] - middle[0]);
            copyFromBacking(middle[1], offset + length - middle[1]);
        });
    }

    /** The part of [offset, offset+length) aligned to the zero granularity (the image end counts as aligned). */
    private long[] alignedMiddle(long offset, long length) {
        return alignedMiddle(offset, length, image.zeroGranularity());
    }

    /** The part of [offset, offset+length) aligned to {@code g} (the image end counts as aligned). */
    private long[] alignedMiddle(long offset, long length, long g) {
        long end = offset + length;
        long start = Align.up(offset, g);
        long alignedEnd = end == image.size() ? end : Align.down(end, g);
        return start < alignedEnd ? new long[] {start, alignedEnd} : null;
    }

    private void writeZeroData(long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(Buffers.zeroChunk(), length - done);
            writeLocked(Buffers.zeroes(n), offset + done);
            done += n;
        }
    }

    private void copyFromBacking(long offset, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        FormatAccess backing = image.backing();
        if (backing == null) {
            writeZeroData(offset, length);
            return;
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) length);
        backing.read(buf, offset);
        writeLocked(buf.flip(), offset);
    }

    // ---------------------------------------------------------------- caches and size

    @Override
    public void flush() throws IOException {
        ensureOpen();
        writeBack(false);
    }

    @Override
    public void sync() throws IOException {
        ensureOpen();
        writeBack(true);
    }

    private void writeBack(boolean durable) throws IOException {
        image.flush();
        for (Storage s : image.storages()) {
            s.flush();
            if (durable) {
                s.sync();
            }
        }
    }

    @Override
    public void invalidateCache() throws IOException {
        exclusively(image::invalidateCache);
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        ensureOpen();
        if (!isWritable()) {
            throw new UnsupportedFeatureException("Image is read-only");
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        exclusively(() -> image.resize(newSize, prealloc));
    }

    // ---------------------------------------------------------------- metadata operations

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        return exclusively(() -> image.check(mode));
    }

    @Override
    public List<SnapshotInfo> snapshots() throws IOException {
        return shared(image::snapshots);
    }

    @Override
    public void createSnapshot(String name) throws IOException {
        exclusively(() -> image.createSnapshot(name));
    }

    @Override
    public void applySnapshot(String nameOrId) throws IOException {
        exclusively(() -> image.applySnapshot(nameOrId));
    }

    @Override
    public void deleteSnapshot(String nameOrId) throws IOException {
        exclusively(() -> image.deleteSnapshot(nameOrId));
    }

    /** As QEMU's {@code bdrv_snapshot_load_tmp}: only a read-only image may show a snapshot instead of its state. */
    @Override
    public void loadSnapshot(String id, String name) throws IOException {
        if (isWritable()) {
            throw new UnsupportedFeatureException("Device '' is writable");
        }
        exclusively(() -> image.loadSnapshot(id, name));
    }

    @Override
    public void changeBackingFile(String name, String format) throws IOException {
        exclusively(() -> image.changeBackingFile(name, format));
    }

    @Override
    public DirtyBits dirtyBits(String name) throws IOException {
        return exclusively(() -> image.dirtyBits(name));
    }

    @Override
    public void changeBitmap(BitmapChange change) throws IOException {
        exclusively(() -> image.changeBitmap(change));
    }

    @Override
    public void amend(Map<String, String> options) throws IOException {
        exclusively(() -> image.amend(options));
    }

    // ---------------------------------------------------------------- lifetime

    /**
     * Makes what was written durable (as QEMU does on close: a no-op for storages in cache mode unsafe), closes the
     * image, then what its opener opened for it. Later calls do nothing.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        Lock l = lock.writeLock();
        l.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try (resources; image) {
                if (image.isWritable()) {
                    writeBack(true);
                }
            }
        } finally {
            l.unlock();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return formatName() + " image, " + size() + " bytes";
    }

    private void exclusively(IoTask task) throws IOException {
        exclusively(() -> {
            task.run();
            return null;
        });
    }

    private <T> T exclusively(IoCall<T> call) throws IOException {
        return locked(lock.writeLock(), call);
    }

    private <T> T shared(IoCall<T> call) throws IOException {
        return locked(lock.readLock(), call);
    }

    private <T> T locked(Lock l, IoCall<T> call) throws IOException {
        l.lock();
        try {
            ensureOpen();
            return call.call();
        } finally {
            l.unlock();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Image is closed");
        }
    }

    private void checkWrite(long offset, long length) throws IOException {
        ensureOpen();
        if (!isWritable()) {
            throw new UnsupportedFeatureException("Image is read-only");
        }
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
        }
        if (offset + length > size()) {
            throw new IOException("Request beyond the end of the image (offset " + offset + ", length " + length
                    + ", image size " + size() + ")");
        }
    }

    /** Work on the image that returns a result. */
    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }
}
