package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

import org.strata.api.BlockStatusSource;
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
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * An open VHDX image (dynamic or fixed): guest offsets map through the BAT to payload blocks; writes to a block
 * that is not present allocate a new one at the 1 MiB-aligned end of the file, as QEMU does. BAT and metadata
 * changes stay in memory until {@link #flush}, which writes them through the log.
 *
 * <p>One lock guards the metadata; data I/O runs outside it. Until the first change of the session the data write
 * GUID has not been renewed, so mappings are handed out read-only and the first write comes through
 * {@link #ensureDataMapping}, which renews it.
 */
final class VhdxImage implements FormatImage {

    private final Storage file;
    private final String name;
    private final boolean writable;
    private final Headers headers;
    private final Log log;
    private final boolean replayedOnOpen;
    private final ReentrantLock lock = new ReentrantLock();
    /** Metadata writes waiting for the next flush (file offset of a 4 KiB sector to its new content). */
    private final SortedMap<Long, ByteBuffer> pending = new TreeMap<>();
    private RegionTable regions;
    private Metadata meta;
    private Bat bat;
    private volatile long size;
    /** Why the image cannot be used (a BAT entry QEMU refuses), or null. */
    private String unusable;
    /** Where the next block goes: past everything in the file. */
    private long nextFree;
    private volatile boolean changedThisSession;

    private VhdxImage(Storage file, String name, boolean writable, Headers headers, Log log, boolean replayed)
            throws IOException {
        this.file = file;
        this.name = name;
        this.writable = writable;
        this.headers = headers;
        this.log = log;
        this.replayedOnOpen = replayed;
        load();
    }

    static VhdxImage open(Storage file, ImageContext context) throws IOException {
        String name = context.location();
        ByteBuffer signature = Layout.buffer(8);
        file.read(signature, 0);
        if (signature.getLong(0) != Layout.FILE_SIGNATURE) {
            throw new ImageFormatException(name + ": not a VHDX image (no 'vhdxfile' signature)");
        }
        boolean writable = context.writable() && file.isWritable();
        Headers headers = Headers.read(file, name);
        Log log = new Log(file, headers, name);
        boolean replayed = log.replay(writable);
        return new VhdxImage(file, name, writable, headers, log, replayed);
    }

    /** Reads the region table, the metadata and the BAT (again). */
    private void load() throws IOException {
        regions = RegionTable.read(file, log.region(), name);
        meta = Metadata.read(file, regions.metadata, name);
        bat = Bat.read(file, regions.bat, meta, name);
        size = meta.virtualSize / meta.logicalSectorSize * meta.logicalSectorSize;
        long fileSize = file.size();
        unusable = Checker.problems(bat, size, fileSize, regions.regions).stream()
                .filter(Checker.Problem::refusesUse).map(p -> name + ": " + p.message()).findFirst().orElse(null);
        long end = fileSize;
        for (RegionTable.Region r : regions.regions) {
            end = Math.max(end, r.end());
        }
        for (long i = 0; i < bat.entryCount(); i++) {
            if (Bat.state(bat.entryAt(i)) == Bat.FULLY_PRESENT) {
                end = Math.max(end, Bat.offset(bat.entryAt(i)) + bat.blockSize);
            }
        }
        nextFree = Layout.roundUp(end, Layout.MIB);
    }

    @Override
    public String formatName() {
        return "vhdx";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable && unusable == null;
    }

    @Override
    public long zeroGranularity() {
        return meta.logicalSectorSize;
    }

    /** QEMU 7.2's vhdx driver reports no block status: every byte is data, with no host offset. */
    @Override
    public BlockStatusSource blockStatusSource() {
        return BlockStatusSource.NONE;
    }

    @Override
    public ShallowMapping getMapping(long offset, long maxLength) throws IOException {
        lock.lock();
        try {
            usable();
            long bs = bat.blockSize;
            long block = offset / bs;
            long host = dataOffset(block);
            long length = Math.min(maxLength, bs - offset % bs);
            if (host >= 0) {
                // runs of blocks that follow each other in the file too are one mapping
                for (long b = block + 1; length < maxLength && dataOffset(b) == host + (b - block) * bs; b++) {
                    length = Math.min(maxLength, length + bs);
                }
                return new ShallowMapping.Raw(file, host + offset % bs, length, writable && changedThisSession);
            }
            boolean explicit = Bat.state(bat.entry(block)) == Bat.ZERO;
            for (long b = block + 1; length < maxLength && dataOffset(b) < 0
                    && (Bat.state(bat.entry(b)) == Bat.ZERO) == explicit; b++) {
                length = Math.min(maxLength, length + bs);
            }
            return new ShallowMapping.Zero(explicit, length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Where {@code block}'s data lies in the file, or -1 when the block reads as zeroes (every state but the
     * present ones, as QEMU reads them). A block in the header section is refused (QEMU would read the file's
     * start), and so are states no dynamic or fixed image has.
     */
    private long dataOffset(long block) throws ImageFormatException {
        long entry = bat.entry(block);
        int state = Bat.state(entry);
        if (Bat.readsZero(state)) {
            return -1;
        }
        String problem = state != Bat.FULLY_PRESENT ? " has the invalid state " + state
                : Bat.offset(entry) < Layout.HEADER_SECTION_END ? " points into the header section" : null;
        if (problem != null) {
            throw new ImageFormatException(name + ": VHDX BAT entry " + bat.index(block) + problem);
        }
        return Bat.offset(entry);
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        lock.lock();
        try {
            beforeChange();
            long bs = bat.blockSize;
            long block = offset / bs;
            long host = dataOffset(block);
            if (host < 0) {
                host = allocate(bs);
                bat.set(block, host | Bat.FULLY_PRESENT);
            }
            return new ShallowMapping.Raw(file, host + offset % bs, Math.min(length, bs - offset % bs), true);
        } finally {
            lock.unlock();
        }
    }

    /** Space for a new structure at the end of the file; the file grows to cover it (reading zeroes). */
    private long allocate(long length) throws IOException {
        long at = nextFree;
        nextFree = Layout.roundUp(at + length, Layout.MIB);
        if (file.size() < at + length) {
            file.resize(at + length, Preallocation.OFF);
        }
        return at;
    }

    /** Refuses changes to read-only or unusable images; renews the data write GUID before the first change. */
    private void beforeChange() throws IOException {
        usable();
        if (!writable) {
            throw new UnsupportedFeatureException("Image is read-only");
        }
        headers.beforeVisibleChange();
        changedThisSession = true;
    }

    private void usable() throws ImageFormatException {
        if (unusable != null) {
            throw new ImageFormatException(unusable);
        }
    }

    /** How a range is made to read as zeroes. */
    private enum Zeroing {
        /** Allocated blocks stay allocated, zeroes are written into them. */
        KEEP,
        /** Whole blocks may be deallocated, partial ones zeroed with holes punched. */
        UNMAP,
        /** Whole blocks may be deallocated, partial ones only discarded (they then read as anything). */
        ANY
    }

    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        zero(offset, length, Zeroing.KEEP);
        return true;
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        zero(offset, length, Zeroing.UNMAP);
        return true;
    }

    @Override
    public void discardToAny(long offset, long length) throws IOException {
        zero(offset, length, Zeroing.ANY);
    }

    /** A VHDX image Strata opens has no parent: its "backing" is zeroes. */
    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        zero(offset, length, Zeroing.UNMAP);
    }

    private void zero(long offset, long length, Zeroing how) throws IOException {
        lock.lock();
        try {
            beforeChange();
            long bs = bat.blockSize;
            for (long pos = offset, end = offset + length; pos < end; ) {
                long block = pos / bs;
                long in = pos % bs;
                long n = Math.min(end - pos, bs - in);
                long host = dataOffset(block);
                if (host >= 0) {
                    boolean whole = in == 0 && (n == bs || pos + n == size);
                    if (how != Zeroing.KEEP && whole && !meta.leaveBlocksAllocated()) {
                        bat.set(block, Bat.ZERO);
                        file.discard(host, bs);
                    } else if (how == Zeroing.ANY) {
                        file.discard(host + in, n);
                    } else {
                        file.writeZeroes(host + in, n, how == Zeroing.UNMAP);
                    }
                }
                pos += n;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            if (writable) {
                flushLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes the changed BAT and metadata sectors through the log, after the data they point to is on disk. */
    private void flushLocked() throws IOException {
        SortedMap<Long, ByteBuffer> sectors = new TreeMap<>(pending);
        for (long at : bat.dirtySectorOffsets()) {
            ByteBuffer s = readSector(at);
            bat.encode(s, at);
            sectors.put(at, s);
        }
        if (sectors.isEmpty()) {
            return;
        }
        file.sync();
        log.commit(sectors);
        bat.clean();
        pending.clear();
    }

    private ByteBuffer readSector(long at) throws IOException {
        ByteBuffer s = Layout.buffer(Layout.LOG_SECTOR);
        file.read(s, at);
        return s.clear();
    }

    /** Changes bytes of the file at the next flush (they may span sectors). */
    private void patch(long at, ByteBuffer bytes) throws IOException {
        for (int i = 0; i < bytes.capacity(); i++) {
            long sector = (at + i) & -Layout.LOG_SECTOR;
            ByteBuffer s = pending.get(sector);
            if (s == null) {
                s = readSector(sector);
                pending.put(sector, s);
            }
            s.put((int) (at + i - sector), bytes.get(i));
        }
    }

    @Override
    public void invalidateCache() throws IOException {
        lock.lock();
        try {
            if (writable) {
                flushLocked();
            }
            load();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Grows or shrinks the disk (QEMU 7.2 cannot resize VHDX images; Hyper-V can): the BAT grows in its region or
     * moves to a bigger one at the end of the file, and the size item changes, all in one log transaction.
     */
    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        lock.lock();
        try {
            if (prealloc == Preallocation.FALLOC || prealloc == Preallocation.FULL) {
                throw new UnsupportedFeatureException("Unsupported preallocation mode '" + prealloc.optionName()
                        + "' for vhdx");
            }
            if (newSize % meta.logicalSectorSize != 0 || newSize > Layout.MAX_VIRTUAL_SIZE) {
                throw new IllegalArgumentException("A VHDX disk size is a multiple of its logical sector size ("
                        + meta.logicalSectorSize + " bytes), at most 64 TiB");
            }
            if (Bat.usedEntries(newSize, bat.blockSize, bat.chunkRatio) > Bat.MAX_ENTRIES) {
                throw new IllegalArgumentException("The image size is too large for file format 'vhdx' with blocks"
                        + " of " + bat.blockSize + " bytes");
            }
            beforeChange();
            flushLocked();
            zeroTail(Math.min(size, newSize));
            bat.resize(newSize);
            long needed = Bat.regionLength(newSize, bat.blockSize, bat.chunkRatio);
            if (needed > bat.region().length()) {
                moveBat(needed);
            }
            patch(meta.virtualSizeOffset, Layout.buffer(8).putLong(0, newSize));
            flushLocked();
            load();
        } finally {
            lock.unlock();
        }
    }

    /** Zeroes the part of {@code at}'s block past {@code at}, so that a grown disk reads zeroes there. */
    private void zeroTail(long at) throws IOException {
        long bs = bat.blockSize;
        if (at % bs == 0) {
            return;
        }
        long host = dataOffset(at / bs);
        if (host >= 0) {
            file.writeZeroes(host + at % bs, bs - at % bs, false);
        }
    }

    /** Writes the BAT whole into a new region at the end of the file, and points both region tables at it. */
    private void moveBat(long length) throws IOException {
        RegionTable.Region moved = new RegionTable.Region(allocate(length), length);
        bat.relocate(moved);
        ByteBuffer chunk = Layout.buffer((int) Layout.MIB);
        for (long at = moved.offset(); at < moved.end(); at += chunk.capacity()) {
            Buffers.fillZero(chunk.clear());
            bat.encode(chunk, at);
            file.write(chunk.clear(), at);
        }
        file.sync();
        ByteBuffer table = regions.withBat(moved);
        patch(Layout.REGION_TABLE1, table);
        patch(Layout.REGION_TABLE2, table);
    }

    @Override
    public List<Storage> storages() {
        return List.of(file);
    }

    @Override
    public FormatAccess backing() {
        return null;
    }

    @Override
    public ImageInfo info() throws IOException {
        lock.lock();
        try {
            usable();
            return new ImageInfo(size, bat.blockSize, false, null, null, null, List.of(), false);
        } finally {
            lock.unlock();
        }
    }

    /**
     * qemu-img check for VHDX: the BAT entries' problems are corruptions (nothing is repaired); a log replayed when
     * the image was opened for a repair counts as one corruption fixed.
     */
    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        lock.lock();
        try {
            List<String> messages = Checker.problems(bat, size, file.size(), regions.regions).stream()
                    .map(Checker.Problem::message).toList();
            long fixed = mode != RepairMode.NONE && replayedOnOpen ? 1 : 0;
            return new CheckResult(0, messages.size(), 0, fixed, 0, 0, 0, 0, 0, 0, messages);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}
