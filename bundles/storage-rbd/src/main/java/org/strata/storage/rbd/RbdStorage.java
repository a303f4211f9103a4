package org.strata.storage.rbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

import org.strata.api.Buffers;
import org.strata.api.CacheMode;
import org.strata.api.Preallocation;
import org.strata.api.Storage;
import org.strata.api.StorageOptions;

/**
 * An RBD image as a storage object. Thread-safe: a read or write is one synchronous librbd call in the calling
 * thread ({@code rbd_read2}, {@code rbd_write2}; librbd waits for the completion inside it), so the requests of all
 * threads are in flight at once. A writer holds the image's exclusive lock ({@code rbd_lock_acquire}) from open to
 * close, so a second writer anywhere is refused; {@code -U} (force share) and read-only opens take no lock. Writes past
 * the end grow the image first, as QEMU's driver does.
 */
final class RbdStorage implements Storage {

    private static final System.Logger LOG = System.getLogger("org.strata.storage.rbd");

    private final String location;
    private final RbdName name;
    private final Clusters clusters;
    private final Cluster cluster;
    private final Pointer ioctx;
    private final Pointer image;
    private final boolean writable;
    private final CacheMode cache;
    private final Object growLock = new Object();
    /**
     * The size as this object last saw it, so that a request needs no call to ask librbd: this object changes it
     * (under {@link #growLock}), and a read reaching past it asks librbd again (another client may have grown it).
     */
    private volatile long knownSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RbdStorage(String location, RbdName name, Clusters clusters, Cluster cluster, Pointer ioctx,
                       Pointer image, StorageOptions options) {
        this.location = location;
        this.name = name;
        this.clusters = clusters;
        this.cluster = cluster;
        this.ioctx = ioctx;
        this.image = image;
        this.writable = options.writable();
        this.cache = options.cache();
    }

    /** Opens the image {@code name} on its cluster's shared connection, which it gives back when it closes. */
    static RbdStorage open(String location, RbdName name, Clusters clusters, StorageOptions options)
            throws IOException {
        if (name.isDirectory()) {
            throw new IOException("'" + location + "' names a pool, not an image");
        }
        if (options.writable() && name.snapshot() != null) {
            throw new IOException("rbd snapshots are read-only: '" + location + "'");
        }
        Cluster cluster = clusters.acquire(Cluster.Key.of(name, !options.cache().direct()));
        Pointer ioctx = null;
        Pointer image = null;
        try {
            ioctx = cluster.openPool(name.pool(), name.namespace());
            image = openImage(ioctx, name, options);
            if (options.writable() && !options.forceShare()) {
                lock(image, name);
            }
            RbdStorage storage = new RbdStorage(location, name, clusters, cluster, ioctx, image, options);
            storage.size();
            return storage;
        } catch (IOException | RuntimeException e) {
            if (image != null) {
                CephApi.rbd().rbd_close(image);
            }
            if (ioctx != null) {
                Cluster.closePool(ioctx);
            }
            clusters.release(cluster);
            throw e;
        }
    }

    private static Pointer openImage(Pointer ioctx, RbdName name, StorageOptions options) throws IOException {
        PointerByReference image = new PointerByReference();
        CephApi.Rbd rbd = CephApi.rbd();
        int r = options.writable() ? rbd.rbd_open(ioctx, name.image(), image, name.snapshot())
                : rbd.rbd_open_read_only(ioctx, name.image(), image, name.snapshot());
        if (r == -CephErrors.ENOENT) {
            throw CephErrors.failure("image '" + name.displayName() + "' does not exist", r);
        }
        Cluster.check("error reading header from " + name.displayName(), r);
        return image.getValue();
    }

    /**
     * Takes the exclusive lock and keeps it: librbd then refuses every other client's request for it, so a second
     * writer (another host's agent, a QEMU) fails instead of taking turns with this one.
     */
    private static void lock(Pointer image, RbdName name) throws IOException {
        int r = CephApi.rbd().rbd_lock_acquire(image, CephApi.RBD_LOCK_MODE_EXCLUSIVE);
        if (r == -CephErrors.EROFS || r == -CephErrors.EBUSY) {
            throw new IOException("Failed to get \"write\" lock: another client holds the exclusive lock of "
                    + name.displayName() + " (open it read-only or with -U; the lock of a client that died is "
                    + "broken once its watch times out, osd_client_watch_timeout, 30 s by default)");
        }
        if (r == -CephErrors.EINVAL) {
            LOG.log(System.Logger.Level.WARNING, () -> name.displayName() + " has no exclusive-lock feature: "
                    + "other writers are not kept out");
            return;
        }
        Cluster.check("cannot lock " + name.displayName(), r);
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public String driverName() {
        return "rbd";
    }

    @Override
    public long size() throws IOException {
        LongByReference size = new LongByReference();
        Cluster.check(name.displayName() + ": cannot get the size", CephApi.rbd().rbd_get_size(image, size));
        knownSize = size.getValue();
        return knownSize;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    // ------------------------------------------------------------------ data

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        checkOffset(offset);
        long end = offset + dst.remaining() <= knownSize ? knownSize : size();
        int inside = (int) Math.max(0, Math.min(dst.remaining(), end - offset));
        if (inside > 0) {
            ByteBuffer part = dst.slice(dst.position(), inside);
            long got = transfer(part, offset, false);
            dst.position(dst.position() + (int) got);
        }
        Buffers.fillZero(dst); // past the end, and whatever a short read left
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        checkWritable();
        checkOffset(offset);
        int n = src.remaining();
        growTo(offset + n);
        transfer(src.slice(), offset, true);
        src.position(src.limit());
        syncIfWriteThrough();
    }

    /**
     * One read or write through native memory: a direct buffer's own, or a copy of a heap buffer's.
     *
     * @return the bytes transferred
     */
    private long transfer(ByteBuffer buf, long offset, boolean write) throws IOException {
        int n = buf.remaining();
        if (n == 0) {
            return 0;
        }
        long r;
        if (buf.isDirect()) {
            r = call(Pointer.nativeValue(Native.getDirectBufferPointer(buf)) + buf.position(), offset, n, write);
        } else {
            try (Memory bounce = new Memory(n)) {
                if (write) {
                    bounce.write(0, buf.array(), buf.arrayOffset() + buf.position(), n);
                }
                r = call(Pointer.nativeValue(bounce), offset, n, write);
                if (!write && r > 0) {
                    bounce.read(0, buf.array(), buf.arrayOffset() + buf.position(), (int) r);
                }
            }
        }
        if (r < 0) {
            throw CephErrors.failure(name.displayName() + ": " + (write ? "write" : "read") + " of " + n
                    + " bytes at " + offset, r);
        }
        return r;
    }

    private long call(long address, long offset, int n, boolean write) {
        return write ? CephApi.RbdData.rbd_write2(image, offset, n, address, 0)
                : CephApi.RbdData.rbd_read2(image, offset, n, address, 0);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        checkWritable();
        checkOffset(offset);
        if (length <= 0) {
            return;
        }
        growTo(offset + length);
        int flags = mayUnmap ? 0 : CephApi.RBD_WRITE_ZEROES_FLAG_THICK_PROVISION;
        Aio.run(name.displayName() + ": write zeroes of " + length + " bytes at " + offset,
                (rbd, c) -> rbd.rbd_aio_write_zeroes(image, offset, length, c, flags, 0));
        syncIfWriteThrough();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        checkWritable();
        long end = Math.min(size(), offset + length);
        if (offset >= end) {
            return;
        }
        Aio.run(name.displayName() + ": discard of " + (end - offset) + " bytes at " + offset,
                (rbd, c) -> rbd.rbd_aio_discard(image, offset, end - offset, c));
    }

    /** Hands librbd's client cache to the cluster ({@code rbd_aio_flush}); nothing with cache=unsafe. */
    @Override
    public void flush() throws IOException {
        if (cache.ignoresFlushes() || !writable) {
            return;
        }
        Aio.run(name.displayName() + ": flush", (rbd, c) -> rbd.rbd_aio_flush(image, c));
    }

    /** A completed write is durable once the cluster has it: a flush of the client cache is all there is to do. */
    @Override
    public void sync() throws IOException {
        flush();
    }

    private void syncIfWriteThrough() throws IOException {
        if (cache.writeThrough()) {
            sync();
        }
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        checkWritable();
        synchronized (growLock) {
            long old = size();
            setSize(newSize);
            if (newSize > old && prealloc != Preallocation.OFF) {
                writeZeroes(old, newSize - old, false);
            }
        }
    }

    /** Grows the image to {@code end} when it is shorter (RBD refuses writes past the end). */
    private void growTo(long end) throws IOException {
        if (end <= knownSize) {
            return;
        }
        synchronized (growLock) {
            if (end > size()) {
                setSize(end);
            }
        }
    }

    private void setSize(long newSize) throws IOException {
        Cluster.check(name.displayName() + ": cannot resize to " + newSize, CephApi.rbd().rbd_resize(image, newSize));
        knownSize = newSize;
    }

    // ------------------------------------------------------------------ checks and closing

    private static void checkOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
    }

    private void checkWritable() throws IOException {
        if (!writable) {
            throw new IOException(name.displayName() + ": opened read-only");
        }
    }

    /** Closes the image (which flushes and lets its lock go) and gives the cluster's connection back. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Cluster.check(name.displayName() + ": close", CephApi.rbd().rbd_close(image));
        } finally {
            Cluster.closePool(ioctx);
            clusters.release(cluster);
        }
    }

    @Override
    public String toString() {
        return "rbd " + name.displayName();
    }
}
