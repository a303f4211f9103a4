package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.strata.api.BitmapChange;
import org.strata.api.BlockStatusSource;
import org.strata.api.Buffers;
import org.strata.api.CheckResult;
import org.strata.api.DirtyBits;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.ImageFormatException;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.PreparedWrite;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.SnapshotInfo;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * One open qcow2 image: translates guest offsets to mappings through the {@link ClusterMap} and delegates
 * allocation, zeroing, resizing, checking and snapshots to the classes of those concerns. Two locks guard the
 * metadata; neither is held during guest data I/O except copy-on-write and compressed reads:
 * <ul>
 * <li>lookups whose tables are all cached take only the shared side of the metadata lock and run in parallel with
 * each other and with an allocation;</li>
 * <li>what allocates clusters for writing, reads tables into the cache or reads compressed data (changes that free
 * nothing and move nothing a mapping handed out points to) takes the shared side and the allocation lock
 * ({@link #allocating}): one at a time, while lookups go on;</li>
 * <li>everything else (frees, zeroing, resizing, flushing, snapshots, checks) takes the exclusive side
 * ({@link #exclusively}), alone.</li>
 * </ul>
 * So the parts an allocation changes ({@link ClusterMap}, {@link TableCache}, {@link Overlaps}, the header of
 * {@link ImageFile}) keep what the lookups read consistent while they change it.
 */
final class Qcow2Image implements FormatImage {

    static final long L2_CACHE_BYTES = 4L << 20;
    static final long REFCOUNT_CACHE_BYTES = 1L << 20;

    /** Work on the metadata that returns something. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    /** Work on the metadata. */
    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    private final ImageFile file;
    /** Where guest data lives: the image file itself or the external data file. */
    private final Storage data;
    private final ImageContext context;
    private final ReentrantReadWriteLock metadataLock = new ReentrantReadWriteLock();
    /** The exclusive side of the metadata lock: frees, moves and every other change but an allocation. */
    private final Lock lock = metadataLock.writeLock();
    /** The shared side: lookups that find everything cached and valid, which change nothing, and allocations. */
    private final Lock sharedLock = metadataLock.readLock();
    /** Taken with the shared side by whatever changes metadata while lookups go on ({@link #allocating}). */
    private final Lock allocationLock = new ReentrantLock();
    private final Refcounts refcounts;
    private final ClusterMap clusterMap;
    private final SnapshotTable snapshots;
    private final DataWriter writer;
    private final ZeroWriter zeroes;
    private final BitmapTracker tracker;
    private final Compression compression = new Compression();
    private FormatAccess backing;
    private volatile boolean closed;
    /**
     * The image was opened writable with the dirty bit set (lazy refcounts, unclean close): its refcounts are rebuilt
     * before the first change. Until then a check sees them as they are and reports (and repairs) what is wrong, as
     * qemu-img check does. So whatever allocates or frees clusters must call {@link #beforeChange} first.
     */
    private volatile boolean refcountsStale;
    /** Whether the metadata looks preallocated: decided at the first block status query after opening, as QEMU does. */
    private volatile Boolean metadataPreallocated;

    private Qcow2Image(ImageFile file, Storage data, ImageContext context) {
        this.file = file;
        this.data = data;
        this.context = context;
        this.refcounts = new Refcounts(file, REFCOUNT_CACHE_BYTES);
        this.clusterMap = new ClusterMap(file, refcounts, L2_CACHE_BYTES);
        this.snapshots = new SnapshotTable(file, refcounts);
        this.writer = new DataWriter(this);
        this.zeroes = new ZeroWriter(this, writer);
        this.tracker = new BitmapTracker(this);
    }

    static Qcow2Image open(Storage storage, ImageContext context) throws IOException {
        Header header = Header.read(storage);
        ImageFile file = new ImageFile(storage, header, context.writable() && storage.isWritable());
        Qcow2Image image = new Qcow2Image(file, dataStorage(file, context), context);
        image.load();
        return image;
    }

    private static Storage dataStorage(ImageFile file, ImageContext context) throws IOException {
        if (!file.header().hasDataFile()) {
            return file.storage();
        }
        String dataName = file.header().dataFileName();
        if (dataName == null || dataName.isEmpty()) {
            throw new ImageFormatException(file.name() + ": the image uses an external data file, but names none");
        }
        return context.openFile(dataName, file.writable());
    }

    private void load() throws IOException {
        refcounts.load();
        clusterMap.load();
        snapshots.load();
        Header h = file.header();
        if (h.hasBackingFile() && context.openBacking() && !h.dataFileRaw()) {
            backing = context.openBacking(h.backingFile(), h.backingFormat());
        }
        if (file.writable() && !file.corrupt()) {
            long knownAutoclear = Header.AUTOCLEAR_DATA_FILE_RAW
                    | (h.extensions().get(HeaderExtensions.BITMAPS) != null ? Header.AUTOCLEAR_BITMAPS : 0);
            if ((h.autoclear() & ~knownAutoclear) != 0) {
                file.writeHeader(h.withAutoclear(h.autoclear() & knownAutoclear));
            }
            refcountsStale = h.dirty();
            tracker.load();
        }
    }

    // ------------------------------------------------------------------ the parts, for the classes of each concern

    ImageFile file() {
        return file;
    }

    /** Where guest data lives: the image file itself or the external data file. */
    Storage data() {
        return data;
    }

    ClusterMap clusterMap() {
        return clusterMap;
    }

    Refcounts refcounts() {
        return refcounts;
    }

    Compression compression() {
        return compression;
    }

    SnapshotTable snapshotTable() {
        return snapshots;
    }

    /** Runs {@code work} under the exclusive side of the metadata lock. */
    <T> T exclusively(Work<T> work) throws IOException {
        lock.lock();
        try {
            return work.run();
        } finally {
            lock.unlock();
        }
    }

    void exclusively(Action action) throws IOException {
        exclusively(() -> {
            action.run();
            return null;
        });
    }

    /**
     * Runs {@code work} under the shared side of the metadata lock and the allocation lock: alone among
     * allocations, in parallel with lookups. The work may allocate clusters, set L2 entries and read tables into the
     * cache, but must free nothing and move nothing that a mapping handed out may point to, and must not take the
     * exclusive side (it would wait for itself).
     */
    <T> T allocating(Work<T> work) throws IOException {
        sharedLock.lock();
        try {
            allocationLock.lock();
            try {
                return work.run();
            } finally {
                allocationLock.unlock();
            }
        } finally {
            sharedLock.unlock();
        }
    }

    // ------------------------------------------------------------------ simple properties

    @Override
    public String formatName() {
        return "qcow2";
    }

    @Override
    public long size() {
        return file.header().size();
    }

    @Override
    public boolean isWritable() {
        return file.writable() && !file.corrupt();
    }

    @Override
    public long zeroGranularity() {
        return file.geometry().subclusterSize;
    }

    /** Whole clusters, as QEMU's qcow2 discards (subclusters are zeroed, never discarded one by one). */
    @Override
    public long discardGranularity() {
        return file.clusterSize();
    }

    @Override
    public List<Storage> storages() {
        return data == file.storage() ? List.of(data) : List.of(file.storage(), data);
    }

    @Override
    public FormatAccess backing() {
        return backing;
    }

    /**
     * From the mappings, with the file's holes under data read as zeroes only in an image whose metadata looks
     * preallocated, as QEMU decides it once per open image: the clusters in use outnumber the file's allocated
     * blocks by more than a ninth and by at least two clusters.
     */
    @Override
    public BlockStatusSource blockStatusSource() throws IOException {
        return metadataLooksPreallocated() ? BlockStatusSource.MAPPINGS_AND_STORAGE_HOLES
                : BlockStatusSource.MAPPINGS;
    }

    private boolean metadataLooksPreallocated() throws IOException {
        Boolean decided = metadataPreallocated;
        if (decided != null) {
            return decided;
        }
        return exclusively(() -> {
            if (metadataPreallocated == null) {
                long cluster = file.clusterSize();
                Storage storage = file.storage();
                long allocated = storage.allocatedSize(); // -1 where the storage cannot tell: then QEMU says no
                metadataPreallocated = allocated >= 0
                        && refcounts.inUseExceeds(allocated / cluster, (storage.size() + cluster - 1) / cluster);
            }
            return metadataPreallocated;
        });
    }

    // ------------------------------------------------------------------ mappings

    @Override
    public ShallowMapping getMapping(long offset, long maxLength) throws IOException {
        sharedLock.lock();
        try {
            ShallowMapping m = mapping(offset, maxLength, true);
            if (m != null) {
                return forCaller(m);
            }
        } finally {
            sharedLock.unlock();
        }
        return allocating(() -> forCaller(mappingLocked(offset, maxLength)));
    }

    private ShallowMapping forCaller(ShallowMapping m) {
        if (tracker.active() && m instanceof ShallowMapping.Raw r && r.writable()) {
            // Writes must come through ensureDataMapping, where the dirty bitmaps see them.
            return new ShallowMapping.Raw(r.storage(), r.offset(), r.length(), false);
        }
        return m;
    }

    ShallowMapping mappingLocked(long offset, long maxLength) throws IOException {
        return mapping(offset, maxLength, false);
    }

    /**
     * The mapping at {@code offset}. With {@code shared} (under the shared lock) it changes nothing and returns
     * null where the exclusive path must decide: a table not cached, or anything invalid.
     */
    private ShallowMapping mapping(long offset, long maxLength, boolean shared) throws IOException {
        Geometry g = file.geometry();
        long end = offset + Math.min(maxLength, Math.max(1, file.header().size() - offset));
        ClusterMap.Slot first = slotAt(offset, shared);
        if (first == null) {
            return null;
        }
        L2Entry.Kind kind = clusterMap.kindAt(first, offset);
        boolean copied = (first.entry() & L2Entry.COPIED) != 0;
        long host = L2Entry.offset(first.entry()) + g.inCluster(offset);
        long pos = Math.min(end, (offset / g.subclusterSize + 1) * g.subclusterSize);
        // Extend over following subclusters and clusters of the same kind (and, for data, contiguous on the host).
        ClusterMap.Slot slot = first;
        while (pos < end) {
            if (g.inCluster(pos) == 0) {
                if (slot.index() + 1 >= g.l2Entries) {
                    break;
                }
                slot = slotAt(pos, shared);
                if (slot == null) {
                    break; // the mapping found so far stands; the rest is looked up by the next request
                }
            }
            if (clusterMap.kindAt(slot, pos) != kind) {
                break;
            }
            if (kind == L2Entry.Kind.NORMAL && (L2Entry.offset(slot.entry()) + g.inCluster(pos)
                    != host + (pos - offset) || ((slot.entry() & L2Entry.COPIED) != 0) != copied)) {
                break;
            }
            pos = Math.min(end, pos + g.subclusterSize);
        }
        long len = pos - offset;
        switch (kind) {
            case UNALLOCATED:
                return backing != null ? new ShallowMapping.Indirect(backing, offset, len)
                        : new ShallowMapping.Zero(false, len);
            case ZERO_PLAIN:
            case ZERO_ALLOC:
                return new ShallowMapping.Zero(true, len);
            case COMPRESSED:
                return new ShallowMapping.Special(offset, len);
            default:
                boolean inPlace = isWritable() && copied;
                if (inPlace && data == file.storage()) {
                    if (shared) {
                        if (file.overlaps().check(host, len).isPresent()) {
                            return null; // the exclusive path reports the corruption
                        }
                    } else {
                        file.requireNoOverlap(host, len, "guest data");
                    }
                }
                return new ShallowMapping.Raw(data, host, len, inPlace);
        }
    }

    private ClusterMap.Slot slotAt(long guest, boolean shared) throws IOException {
        return shared ? clusterMap.cachedSlot(guest) : clusterMap.slot(guest);
    }

    @Override
    public void readSpecial(ByteBuffer dst, long offset) throws IOException {
        allocating(() -> {
            readLayer(dst, offset);
            return null;
        });
    }

    /** Reads what this layer shows at {@code offset} (backing data where unallocated), under the lock. */
    void readLayer(ByteBuffer dst, long offset) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = dst.remaining();
            if (pos >= file.header().size()) {
                Buffers.fillZero(dst);
                return;
            }
            ShallowMapping m = mappingLocked(pos, n);
            int len = (int) Math.min(n, m.length());
            ByteBuffer part = dst.slice(dst.position(), len);
            if (m instanceof ShallowMapping.Raw r) {
                r.storage().read(part, r.offset());
            } else if (m instanceof ShallowMapping.Indirect i) {
                i.layer().read(part, i.offset());
            } else if (m instanceof ShallowMapping.Special) {
                readCompressed(part, pos);
            } else {
                Header h = file.header();
                if (m instanceof ShallowMapping.Zero z && !z.explicit() && h.hasBackingFile() && backing == null) {
                    throw new UnsupportedFeatureException(file.name() + ": the backing file " + h.backingFile()
                            + " is not open, so its data cannot be copied");
                }
                Buffers.fillZero(part);
            }
            dst.position(dst.position() + len);
            pos += len;
        }
    }

    /** Reads from compressed clusters, cluster by cluster. */
    private void readCompressed(ByteBuffer dst, long offset) throws IOException {
        Geometry g = file.geometry();
        long pos = offset;
        byte[] cluster = new byte[(int) g.clusterSize];
        while (dst.hasRemaining()) {
            ClusterMap.Slot slot = clusterMap.slot(pos);
            if (!L2Entry.isCompressed(slot.entry())) {
                readLayer(dst, pos);
                return;
            }
            decompress(slot.entry(), cluster, pos);
            int in = (int) g.inCluster(pos);
            int n = (int) Math.min(dst.remaining(), g.clusterSize - in);
            dst.put(cluster, in, n);
            pos += n;
        }
    }

    private void decompress(long entry, byte[] cluster, long guest) throws IOException {
        int bits = file.geometry().clusterBits;
        long host = L2Entry.compressedOffset(entry, bits);
        long len = L2Entry.compressedLength(entry, bits);
        if (host >= file.storage().size()) {
            throw file.corruption("compressed cluster at guest offset " + guest + " lies beyond the end of the file");
        }
        byte[] src = new byte[(int) len];
        file.storage().read(ByteBuffer.wrap(src), host);
        compression.decompress(file.header().compressionType(), src, cluster, file.name() + " at guest offset "
                + guest);
    }

    // ------------------------------------------------------------------ writes

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        if (refcountsStale) {
            exclusively(this::beforeChange); // the rebuild changes everything: not while lookups go on
        }
        return allocating(() -> {
            beforeChange();
            ShallowMapping.Raw raw = writer.ensureDataMapping(offset, length, overwrite);
            tracker.changed(offset, raw.length());
            return raw;
        });
    }

    @Override
    public void writeCompressed(ByteBuffer buffer, long offset) throws IOException {
        compress(buffer, offset).write();
    }

    /** Compresses on the caller's thread, outside the lock; only the placement is exclusive. */
    @Override
    public PreparedWrite compress(ByteBuffer buffer, long offset) throws IOException {
        DataWriter.CompressedCluster compressed = writer.compress(buffer);
        return () -> exclusively(() -> {
            beforeChange();
            tracker.changed(offset, Math.min(file.clusterSize(), file.header().size() - offset));
            writer.writeCompressed(compressed, offset);
        });
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        return changeRange(offset, length, () -> zeroes.zero(offset, length, false));
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        return changeRange(offset, length, () -> zeroes.zero(offset, length, true));
    }

    @Override
    public void discardToAny(long offset, long length) throws IOException {
        changeRange(offset, length, () -> {
            zeroes.discard(offset, length);
            return null;
        });
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        changeRange(offset, length, () -> {
            zeroes.unallocate(offset, length);
            return null;
        });
    }

    /** Runs {@code change} of the guest range {@code [offset, offset + length)} under the exclusive lock. */
    private <T> T changeRange(long offset, long length, Work<T> change) throws IOException {
        return exclusively(() -> {
            beforeChange();
            tracker.changed(offset, length);
            return change.run();
        });
    }

    /** Refuses changes to read-only or corrupt images; sets the dirty bit first with lazy refcounts. */
    void beforeChange() throws IOException {
        if (closed) {
            throw new IOException(file.name() + ": image is closed");
        }
        if (!file.writable()) {
            throw new UnsupportedFeatureException(file.name() + ": image is read-only");
        }
        if (file.corrupt()) {
            throw new ImageFormatException(file.name() + ": image is corrupt; it cannot be written before a repair "
                    + "(image:check -r all)");
        }
        if (refcountsStale) {
            repairStaleRefcounts();
        }
        file.markDirty();
    }

    /**
     * Refcounts written out of order (lazy refcounts) and not closed cleanly: rebuilt, then the rest repaired as by
     * check -r all, as QEMU does when it opens such an image for writing: the COPIED flags follow the refcounts.
     */
    private void repairStaleRefcounts() throws IOException {
        new RefcountRebuild(this).rebuild();
        new Checker(this).check(RepairMode.ALL);
        refcountsAreRight();
    }

    /** The refcounts on disk are right again (rebuilt, or repaired by a check): the dirty bit goes. */
    private void refcountsAreRight() throws IOException {
        flushLocked();
        file.clearDirty();
        file.storage().sync();
        refcountsStale = false;
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        if (newSize % 512 != 0) {
            // qcow2 keeps its size in whole sectors
            throw new IllegalArgumentException("The new size must be a multiple of 512");
        }
        exclusively(() -> {
            beforeChange();
            resizeLocked(newSize, prealloc);
        });
    }

    /** Resizes under the metadata lock (a resize, or applying a snapshot of another size). */
    void resizeLocked(long newSize, Preallocation prealloc) throws IOException {
        new Resizer(this, writer, zeroes).resize(newSize, prealloc);
    }

    // ------------------------------------------------------------------ flushing and lifetime

    @Override
    public void flush() throws IOException {
        exclusively(this::flushLocked);
    }

    void flushLocked() throws IOException {
        if (!file.writable() || closed) {
            return;
        }
        clusterMap.flush();
        refcounts.flush();
        if (refcounts.pendingFrees() > 0) {
            // Frees reach the disk only after the L2 entries that dropped the clusters.
            file.refcountSync();
            refcounts.applyPendingFrees();
            writer.forgetCompressedCursor();
            refcounts.flush();
        }
    }

    @Override
    public void invalidateCache() throws IOException {
        exclusively(() -> {
            flushLocked();
            file.rereadHeader();
            refcounts.load();
            clusterMap.load();
            snapshots.load();
            writer.forgetCompressedCursor();
            metadataPreallocated = null;
        });
    }

    @Override
    public void close() throws IOException {
        exclusively(() -> {
            if (closed) {
                return;
            }
            try {
                if (file.writable() && !file.corrupt()) {
                    if (refcountsStale) {
                        // opened dirty and closed before any change: the dirty bit may only go once they are right
                        repairStaleRefcounts();
                    }
                    flushLocked();
                    tracker.store();
                    if (file.dirtyOnDisk()) {
                        file.clearDirty();
                    }
                    file.storage().sync();
                }
            } finally {
                closed = true;
                compression.close();
            }
        });
    }

    // ------------------------------------------------------------------ information, check, snapshots

    @Override
    public ImageInfo info() throws IOException {
        return exclusively(() -> {
            Header h = file.header();
            return new ImageInfo(h.size(), file.clusterSize(), h.dirty() || file.dirtyOnDisk(), h.backingFile(),
                    h.backingFormat(), FormatSpecific.of(file), snapshots.infos(), false);
        });
    }

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        return exclusively(() -> {
            if (mode != RepairMode.NONE && !file.writable()) {
                throw new UnsupportedFeatureException(file.name() + ": the image must be opened writable to repair it");
            }
            flushLocked();
            CheckResult result = new Checker(this).check(mode);
            if (refcountsStale && mode != RepairMode.NONE && result.checkErrors() == 0 && result.corruptions() == 0) {
                refcountsAreRight();
            }
            return result;
        });
    }

    @Override
    public List<SnapshotInfo> snapshots() throws IOException {
        return exclusively(() -> new ArrayList<>(snapshots.infos()));
    }

    @Override
    public void createSnapshot(String name) throws IOException {
        exclusively(() -> {
            beforeChange();
            new SnapshotOps(this).create(name);
        });
    }

    @Override
    public void applySnapshot(String nameOrId) throws IOException {
        exclusively(() -> {
            beforeChange();
            new SnapshotOps(this).apply(nameOrId);
            tracker.changedAll();
        });
    }

    @Override
    public void deleteSnapshot(String nameOrId) throws IOException {
        exclusively(() -> {
            beforeChange();
            new SnapshotOps(this).delete(nameOrId);
        });
    }

    /** The engine calls this on a read-only image only, which therefore has nothing cached to write back. */
    @Override
    public void loadSnapshot(String id, String name) throws IOException {
        exclusively(() -> {
            SnapshotTable.Entry sn = snapshots.find(id, name);
            if (sn == null) {
                throw new ImageFormatException("Can't find snapshot");
            }
            clusterMap.show(sn.l1Offset(), sn.l1Size());
            metadataPreallocated = null;
        });
    }

    /** Records another backing file (or none) in the header: an amendment of backing_file and backing_fmt. */
    @Override
    public void changeBackingFile(String name, String format) throws IOException {
        Map<String, String> options = new HashMap<>();
        options.put("backing_file", name == null ? "" : name);
        options.put("backing_fmt", format);
        amend(options);
    }

    @Override
    public DirtyBits dirtyBits(String name) throws IOException {
        return exclusively(() -> new BitmapEditor(this).bits(name));
    }

    /** The bits this image's writes set are stored first, so the change starts from bitmaps that are true. */
    @Override
    public void changeBitmap(BitmapChange change) throws IOException {
        exclusively(() -> {
            beforeChange();
            flushLocked();
            tracker.store();
            new BitmapEditor(this).apply(change);
            tracker.load();
        });
    }

    @Override
    public void amend(Map<String, String> options) throws IOException {
        exclusively(() -> {
            beforeChange();
            new Amender(this).amend(options);
        });
    }
}
