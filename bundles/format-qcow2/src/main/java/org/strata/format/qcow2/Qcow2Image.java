package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.strata.api.Buffers;
import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.ImageFormatException;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.SnapshotInfo;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * One open qcow2 image: translates guest offsets to mappings through the L1/L2 tables and delegates allocation,
 * zeroing, resizing, checking and snapshots to the classes of those concerns. One metadata lock guards all
 * metadata; it is never held during guest data I/O except copy-on-write and compressed reads. Lookups whose
 * tables are all cached run under its shared side, in parallel; everything else runs under its exclusive side
 * ({@link #lock}).
 */
final class Qcow2Image implements FormatImage {

    static final long L2_CACHE_BYTES = 4L << 20;
    static final long REFCOUNT_CACHE_BYTES = 1L << 20;

    final ImageState s;
    private final ReentrantReadWriteLock metadataLock = new ReentrantReadWriteLock();
    /** The exclusive side of the metadata lock: every change, and every lookup that must read a table. */
    final Lock lock = metadataLock.writeLock();
    /** The shared side: lookups that find everything cached and valid, which change nothing. */
    private final Lock sharedLock = metadataLock.readLock();
    final Refcounts refcounts;
    final ClusterMap map;
    final ImageContext context;
    final SnapshotTable snapshots;
    private final DataWriter writer;
    private final ZeroWriter zeroes;
    final BitmapTracker tracker;
    private FormatAccess backing;
    private volatile boolean closed;
    /** Whether the metadata looks preallocated: decided at the first block status query after opening, as QEMU does. */
    private volatile Boolean metadataPreallocated;

    private Qcow2Image(ImageState state, ImageContext context) {
        this.s = state;
        this.context = context;
        this.refcounts = new Refcounts(state, REFCOUNT_CACHE_BYTES);
        this.map = new ClusterMap(state, refcounts, L2_CACHE_BYTES);
        this.snapshots = new SnapshotTable(state);
        this.writer = new DataWriter(this);
        this.zeroes = new ZeroWriter(this, writer);
        this.tracker = new BitmapTracker(this);
    }

    static Qcow2Image open(Storage storage, ImageContext context) throws IOException {
        Header header = Header.read(storage);
        boolean writable = context.writable() && storage.isWritable();
        ImageState state = new ImageState(storage, header, writable);
        Qcow2Image image = new Qcow2Image(state, context);
        image.load();
        return image;
    }

    private void load() throws IOException {
        Header h = s.header;
        if (s.hasDataFile()) {
            String dataName = h.extensions.getString(HeaderExtensions.DATA_FILE);
            if (dataName == null || dataName.isEmpty()) {
                throw new ImageFormatException(s.name + ": the image uses an external data file, but names none");
            }
            s.data = context.openFile(dataName, s.writable);
        }
        refcounts.load();
        map.load();
        snapshots.load();
        if (h.backingFile != null && !h.backingFile.isEmpty() && context.openBacking() && !s.dataFileRaw()) {
            backing = context.openBacking(h.backingFile,
                    h.extensions.getString(HeaderExtensions.BACKING_FORMAT));
        }
        if (s.writable && !s.corrupt) {
            long knownAutoclear = Header.AUTOCLEAR_DATA_FILE_RAW
                    | (h.extensions.get(HeaderExtensions.BITMAPS) != null ? Header.AUTOCLEAR_BITMAPS : 0);
            if ((h.autoclear & ~knownAutoclear) != 0) {
                h.autoclear &= knownAutoclear;
                s.writeHeader();
            }
            if (h.has(Header.INCOMPAT_DIRTY)) {
                // Refcounts written out of order (lazy refcounts) and not closed cleanly: repaired as by
                // check -r all, as QEMU does, so the refcounts and the COPIED flags that follow them are right.
                new Checker(this).check(RepairMode.ALL);
                h.incompatible &= ~Header.INCOMPAT_DIRTY;
                s.writeHeader();
                s.file.sync();
            }
            tracker.load();
        }
    }

    // ------------------------------------------------------------------ simple properties

    @Override
    public String formatName() {
        return "qcow2";
    }

    @Override
    public long size() {
        return s.header.size;
    }

    @Override
    public boolean isWritable() {
        return s.writable && !s.corrupt;
    }

    @Override
    public long zeroGranularity() {
        return s.geometry.subclusterSize;
    }

    @Override
    public List<Storage> storages() {
        return s.data == s.file ? List.of(s.file) : List.of(s.file, s.data);
    }

    @Override
    public FormatAccess backing() {
        return backing;
    }

    /** Whether unallocated ranges show a backing file (named in the header, opened or not). */
    boolean hasBackingFile() {
        return s.header.backingFile != null && !s.header.backingFile.isEmpty();
    }

    /**
     * Only in an image whose metadata looks preallocated, as QEMU decides it once per open image: the clusters in
     * use outnumber the file's allocated blocks by more than a ninth and by at least two clusters.
     */
    @Override
    public boolean holesReadAsZeroes(ShallowMapping.Raw mapping) throws IOException {
        Boolean decided = metadataPreallocated;
        if (decided != null) {
            return decided;
        }
        lock.lock();
        try {
            if (metadataPreallocated == null) {
                long cluster = s.clusterSize();
                long allocated = s.file.allocatedSize(); // -1 where the storage cannot tell: then QEMU says no
                metadataPreallocated = allocated >= 0
                        && refcounts.inUseExceeds(allocated / cluster, (s.file.size() + cluster - 1) / cluster);
            }
            return metadataPreallocated;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ mappings

    /** The L2 entry of the cluster at {@code guest}: table offset (0 when none), index, entry, bitmap. */
    record Slot(long l2Offset, int index, long entry, long bitmap) {
    }

    Slot lookup(long guest) throws IOException {
        return lookup(guest, false);
    }

    /**
     * As {@link #lookup(long)}; with {@code shared} (under the shared lock) it changes nothing and returns null
     * where the exclusive path must decide: a table not cached, or anything invalid.
     */
    private Slot lookup(long guest, boolean shared) throws IOException {
        int index = s.geometry.l2Index(guest);
        long l2Off = shared ? map.cachedL2Offset(guest) : map.l2Offset(guest);
        if (l2Off == 0) {
            return new Slot(0, index, 0, 0);
        }
        byte[] t = shared ? map.cachedTable(l2Off) : map.table(l2Off);
        if (t == null) {
            return null;
        }
        long e = map.entry(t, index);
        long b = map.bitmap(t, index);
        if (shared) {
            if (!valid(e, b)) {
                return null;
            }
        } else {
            validate(e, b, guest);
        }
        return new Slot(l2Off, index, e, b);
    }

    private boolean valid(long e, long bitmap) {
        if (L2Entry.isCompressed(e)) {
            return !s.hasDataFile();
        }
        return (L2Entry.offset(e) & (s.clusterSize() - 1)) == 0
                && !(s.geometry.extendedL2 && ((bitmap >>> 32) & bitmap & 0xffffffffL) != 0);
    }

    private void validate(long e, long bitmap, long guest) throws IOException {
        if (L2Entry.isCompressed(e)) {
            if (s.hasDataFile()) {
                throw s.corruption("compressed cluster at guest offset " + guest + " in an image with a data file");
            }
            return;
        }
        long off = L2Entry.offset(e);
        if ((off & (s.clusterSize() - 1)) != 0) {
            throw s.corruption("cluster allocation offset 0x" + Long.toHexString(off) + " unaligned (guest offset "
                    + guest + ")");
        }
        if (s.geometry.extendedL2 && ((bitmap >>> 32) & bitmap & 0xffffffffL) != 0) {
            throw s.corruption("invalid subcluster bitmap 0x" + Long.toHexString(bitmap) + " at guest offset "
                    + guest);
        }
    }

    L2Entry.Kind kindAt(Slot slot, long guest) {
        boolean df = s.hasDataFile();
        if (s.geometry.extendedL2) {
            return L2Entry.subclusterKind(slot.entry, slot.bitmap, s.geometry.subclusterIndex(guest), df);
        }
        return L2Entry.kind(slot.entry, df);
    }

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
        lock.lock();
        try {
            return forCaller(mappingLocked(offset, maxLength));
        } finally {
            lock.unlock();
        }
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

    /** The mapping at {@code offset}; {@code shared}: see {@link #lookup(long, boolean)} (null: ask exclusively). */
    private ShallowMapping mapping(long offset, long maxLength, boolean shared) throws IOException {
        Geometry g = s.geometry;
        long end = offset + Math.min(maxLength, Math.max(1, s.header.size - offset));
        Slot first = lookup(offset, shared);
        if (first == null) {
            return null;
        }
        L2Entry.Kind kind = kindAt(first, offset);
        boolean copied = (first.entry & L2Entry.COPIED) != 0;
        long host = L2Entry.offset(first.entry) + g.inCluster(offset);
        long pos = Math.min(end, (offset / g.subclusterSize + 1) * g.subclusterSize);
        // Extend over following subclusters and clusters of the same kind (and, for data, contiguous on the host).
        Slot slot = first;
        while (pos < end) {
            if (g.inCluster(pos) == 0) {
                if (slot.index + 1 >= g.l2Entries) {
                    break;
                }
                slot = lookup(pos, shared);
                if (slot == null) {
                    break; // the mapping found so far stands; the rest is looked up by the next request
                }
            }
            if (kindAt(slot, pos) != kind) {
                break;
            }
            if (kind == L2Entry.Kind.NORMAL && (L2Entry.offset(slot.entry) + g.inCluster(pos) != host + (pos - offset)
                    || ((slot.entry & L2Entry.COPIED) != 0) != copied)) {
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
                if (inPlace && s.data == s.file) {
                    if (shared) {
                        if (s.overlapsMetadata(host, len)) {
                            return null; // the exclusive path reports the corruption
                        }
                    } else {
                        s.checkOverlap(host, len, "guest data");
                    }
                }
                return new ShallowMapping.Raw(s.data, host, len, inPlace);
        }
    }

    @Override
    public void readSpecial(ByteBuffer dst, long offset) throws IOException {
        lock.lock();
        try {
            readLayer(dst, offset);
        } finally {
            lock.unlock();
        }
    }

    /** Reads what this layer shows at {@code offset} (backing data where unallocated), under the lock. */
    void readLayer(ByteBuffer dst, long offset) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = dst.remaining();
            if (pos >= s.header.size) {
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
                if (m instanceof ShallowMapping.Zero z && !z.explicit() && hasBackingFile() && backing == null) {
                    throw new UnsupportedFeatureException(s.name + ": the backing file " + s.header.backingFile
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
        Geometry g = s.geometry;
        long pos = offset;
        byte[] cluster = new byte[(int) g.clusterSize];
        while (dst.hasRemaining()) {
            Slot slot = lookup(pos);
            if (!L2Entry.isCompressed(slot.entry)) {
                readLayer(dst, pos);
                return;
            }
            decompress(slot.entry, cluster, pos);
            int in = (int) g.inCluster(pos);
            int n = (int) Math.min(dst.remaining(), g.clusterSize - in);
            dst.put(cluster, in, n);
            pos += n;
        }
    }

    void decompress(long entry, byte[] cluster, long guest) throws IOException {
        int bits = s.geometry.clusterBits;
        long host = L2Entry.compressedOffset(entry, bits);
        long len = L2Entry.compressedLength(entry, bits);
        if (host >= s.file.size()) {
            throw s.corruption("compressed cluster at guest offset " + guest + " lies beyond the end of the file");
        }
        byte[] src = new byte[(int) len];
        s.file.read(ByteBuffer.wrap(src), host);
        Compression.decompress(s.header.compressionType, src, cluster, s.name + " at guest offset " + guest);
    }

    // ------------------------------------------------------------------ writes

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        lock.lock();
        try {
            beforeChange();
            ShallowMapping.Raw raw = writer.ensureDataMapping(offset, length, overwrite);
            tracker.changed(offset, raw.length());
            return raw;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void writeCompressed(ByteBuffer data, long offset) throws IOException {
        lock.lock();
        try {
            beforeChange();
            tracker.changed(offset, Math.min(s.clusterSize(), s.header.size - offset));
            writer.writeCompressed(data, offset);
        } finally {
            lock.unlock();
        }
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
            zeroes.unallocate(offset, length, false);
            return null;
        });
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        changeRange(offset, length, () -> {
            zeroes.unallocate(offset, length, true);
            return null;
        });
    }

    /** A change of metadata for one guest range. */
    @FunctionalInterface
    private interface RangeChange<T> {
        T apply() throws IOException;
    }

    /** Runs {@code change} of the guest range {@code [offset, offset + length)} under the exclusive lock. */
    private <T> T changeRange(long offset, long length, RangeChange<T> change) throws IOException {
        lock.lock();
        try {
            beforeChange();
            tracker.changed(offset, length);
            return change.apply();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses changes to read-only or corrupt images; sets the dirty bit first with lazy refcounts. */
    void beforeChange() throws IOException {
        if (closed) {
            throw new IOException(s.name + ": image is closed");
        }
        if (!s.writable) {
            throw new UnsupportedFeatureException(s.name + ": image is read-only");
        }
        if (s.corrupt) {
            throw new ImageFormatException(s.name + ": image is corrupt; it cannot be written before a repair "
                    + "(image:check -r all)");
        }
        if (s.lazyRefcounts() && !s.dirtyOnDisk && s.header.version >= 3) {
            s.header.incompatible |= Header.INCOMPAT_DIRTY;
            s.writeHeader();
            s.file.sync();
            s.dirtyOnDisk = true;
        }
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        lock.lock();
        try {
            beforeChange();
            new Resizer(this, writer, zeroes).resize(newSize, prealloc);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ flushing and lifetime

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            flushLocked();
        } finally {
            lock.unlock();
        }
    }

    void flushLocked() throws IOException {
        if (!s.writable || closed) {
            return;
        }
        map.flush();
        refcounts.flush();
        if (refcounts.pendingFrees() > 0) {
            // Frees reach the disk only after the L2 entries that dropped the clusters.
            s.refcountSync();
            refcounts.applyPendingFrees();
            writer.forgetCompressedCursor();
            refcounts.flush();
        }
    }

    @Override
    public void invalidateCache() throws IOException {
        lock.lock();
        try {
            flushLocked();
            Header fresh = Header.read(s.file);
            s.header.size = fresh.size;
            s.header.l1Size = fresh.l1Size;
            s.header.l1TableOffset = fresh.l1TableOffset;
            s.header.refcountTableOffset = fresh.refcountTableOffset;
            s.header.refcountTableClusters = fresh.refcountTableClusters;
            s.header.nbSnapshots = fresh.nbSnapshots;
            s.header.snapshotsOffset = fresh.snapshotsOffset;
            refcounts.load();
            map.load();
            snapshots.load();
            writer.forgetCompressedCursor();
            metadataPreallocated = null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                if (s.writable && !s.corrupt) {
                    flushLocked();
                    tracker.store();
                    if (s.dirtyOnDisk) {
                        s.file.sync();
                        s.header.incompatible &= ~Header.INCOMPAT_DIRTY;
                        s.writeHeader();
                        s.dirtyOnDisk = false;
                    }
                    s.file.sync();
                }
            } finally {
                closed = true;
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ information, check, snapshots

    @Override
    public ImageInfo info() throws IOException {
        lock.lock();
        try {
            Header h = s.header;
            return new ImageInfo(h.size, s.clusterSize(), h.has(Header.INCOMPAT_DIRTY) || s.dirtyOnDisk,
                    h.backingFile, h.extensions.getString(HeaderExtensions.BACKING_FORMAT), FormatSpecific.of(s),
                    snapshots.infos(), false);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        lock.lock();
        try {
            if (mode != RepairMode.NONE && !s.writable) {
                throw new UnsupportedFeatureException(s.name + ": the image must be opened writable to repair it");
            }
            flushLocked();
            return new Checker(this).check(mode);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<SnapshotInfo> snapshots() throws IOException {
        lock.lock();
        try {
            return new ArrayList<>(snapshots.infos());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void createSnapshot(String name) throws IOException {
        lock.lock();
        try {
            beforeChange();
            new SnapshotOps(this).create(name);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void applySnapshot(String nameOrId) throws IOException {
        lock.lock();
        try {
            beforeChange();
            new SnapshotOps(this).apply(nameOrId);
            tracker.changedAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void deleteSnapshot(String nameOrId) throws IOException {
        lock.lock();
        try {
            beforeChange();
            new SnapshotOps(this).delete(nameOrId);
        } finally {
            lock.unlock();
        }
    }

    /** Records another backing file (or none) in the header: an amendment of backing_file and backing_fmt. */
    @Override
    public void changeBackingFile(String name, String format) throws IOException {
        Map<String, String> options = new java.util.HashMap<>();
        options.put("backing_file", name == null ? "" : name);
        options.put("backing_fmt", format);
        amend(options);
    }

    @Override
    public void amend(Map<String, String> options) throws IOException {
        lock.lock();
        try {
            beforeChange();
            new Amender(this).amend(options);
        } finally {
            lock.unlock();
        }
    }
}
