package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.strata.api.Buffers;
import org.strata.api.ImageFormatException;
import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * A sparse extent (hosted KDMV or ESX COWD): a grain directory points to grain tables, whose entries give each
 * grain's sector in the file (0: unallocated; 1: zeroed, where the header allows zeroed grains). Lookups follow
 * QEMU's arithmetic exactly. New grains are appended at the end of the file (rounded to a grain), filled with the
 * parent's data or zeroes before the grain table entry (and its backup) points to them, as QEMU allocates, and
 * also (unlike QEMU) with the file covering the whole grain and synced first: neither a crash nor a power cut can
 * leave an entry pointing past the end of the file (a grain the next allocation hands out again) or at a grain
 * without its parent's data; a compressed (stream-optimized) extent stages grains in memory and appends them
 * compressed ({@link StagedGrain}). Grain tables are never allocated: QEMU and VMware preallocate them for every
 * extent they write.
 */
final class SparseExtent implements Extent {

    /** QEMU allocates grains only below this sector (2 TiB): grain table entries have 32 bits. */
    private static final long MAX_SECTORS = 1L << 32;
    private static final int COPY_CHUNK = 1 << 20;
    /**
     * The most runs (grains, or unallocated grain tables) one lookup joins into a mapping: a mapping over terabytes
     * of a huge or hostile capacity then costs many short lookups, not one that walks every grain (a mapping of
     * qcow2 ends with its L2 table likewise).
     */
    private static final int MAX_RUNS_PER_LOOKUP = 1024;
    /** At most this much of a stream is held in staged grains, whatever order the writers go in. */
    private static final long MAX_STAGED_BYTES = 16 << 20;

    private final Storage storage;
    private final SparseHeader h;
    private final long start;
    private final long length;
    private final long grainBytes;
    private final TableCache tables;
    private final CompressedGrains compressed;
    private final TreeMap<Long, StagedGrain> staged = new TreeMap<>();
    private final Object lock = new Object();
    /** The sector where the next grain goes. */
    private long nextSector;

    /** @param caches the image's caches, shared by its extents */
    SparseExtent(Storage storage, SparseHeader h, long start, Caches caches) throws IOException {
        this.storage = storage;
        this.h = h;
        this.start = start;
        this.length = h.capacity * 512;
        this.grainBytes = h.grainBytes();
        this.tables = caches.tables();
        if (h.compressed() && grainBytes > CompressedGrains.MAX_GRAIN_BYTES) {
            throw new UnsupportedFeatureException(storage.location() + ": compressed grains of " + grainBytes
                    + " bytes are not supported (at most " + CompressedGrains.MAX_GRAIN_BYTES + ")");
        }
        this.compressed = h.compressed() ? new CompressedGrains(storage, h.hasMarkers(), (int) grainBytes, caches.grains())
                : null;
        this.nextSector = firstFreeSector();
    }

    private long firstFreeSector() throws IOException {
        long fileSectors = (storage.size() + 511) / 512;
        return (fileSectors + h.grainSectors - 1) / h.grainSectors * h.grainSectors;
    }

    SparseHeader header() {
        return h;
    }

    /** The size of a grain in bytes. */
    long grainSize() {
        return grainBytes;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long length() {
        return length;
    }

    // ---------------------------------------------------------------- lookups

    /** A grain table entry: where it lies (-1 when the grain table is not allocated) and what it says. */
    private record Entry(long l1Index, long l2Index, long at, long value) {
    }

    /** QEMU's {@code get_cluster_offset} without allocation: the entry of the grain at {@code offset}. */
    private Entry entry(long offset) throws IOException {
        long sector = offset >>> 9;
        long l1Index = (sector / h.sectorsPerGt) & 0xffffffffL;
        if (l1Index >= h.gdEntries) {
            throw new ImageFormatException(storage.location() + ": grain directory entry " + l1Index
                    + " out of range (" + h.gdEntries + " entries)");
        }
        long gt = tables.get(storage, h.gdBytes() + l1Index * 4);
        if (gt == 0) {
            return new Entry(l1Index, 0, -1, 0);
        }
        long l2Index = (sector / h.grainSectors) % h.gtEntries;
        long at = gt * 512 + l2Index * 4;
        return new Entry(l1Index, l2Index, at, tables.get(storage, at));
    }

    private Kind kind(Entry e) {
        if (e.value() == 0) {
            return Kind.UNALLOCATED;
        }
        if (e.value() == 1 && h.hasZeroGrains()) {
            return Kind.ZERO;
        }
        return compressed != null ? Kind.COMPRESSED : Kind.DATA;
    }

    /**
     * The run at {@code offset} of at most {@code max} bytes: the rest of its grain, or the rest of its grain
     * table's range where that grain table is not allocated.
     */
    private Run run(long offset, long max) throws IOException {
        long n = Math.min(max, grainBytes - offset % grainBytes);
        StagedGrain s = staged.get(offset / grainBytes);
        if (s != null) {
            return new Run(Kind.STAGED, s, offset % grainBytes, n);
        }
        Entry e = entry(offset);
        if (e.at() < 0) {
            long tableEnd = (e.l1Index() + 1) * h.sectorsPerGt * 512;
            return new Run(Kind.UNALLOCATED, null, -1, Math.max(n, Math.min(max, tableEnd - offset)));
        }
        Kind k = kind(e);
        long host = k == Kind.DATA || k == Kind.COMPRESSED ? e.value() * 512 + offset % grainBytes : -1;
        return new Run(k, k == Kind.DATA ? storage : null, host, n);
    }

    @Override
    public Run lookup(long offset, long max) throws IOException {
        synchronized (lock) {
            long limit = Math.min(max, length - offset);
            Run first = run(offset, limit);
            long total = first.length();
            // runs of like grains (contiguous data, zeroes, unallocated) in one mapping, a bounded number of them;
            // other grains one each
            int runs = 1;
            while ((first.kind() == Kind.DATA || first.kind() == Kind.ZERO || first.kind() == Kind.UNALLOCATED)
                    && total < limit && runs++ < MAX_RUNS_PER_LOOKUP) {
                Run next = run(offset + total, limit - total);
                boolean continues = next.kind() == first.kind() && next.storage() == first.storage()
                        && (first.kind() != Kind.DATA || next.hostOffset() == first.hostOffset() + total);
                if (!continues) {
                    break;
                }
                total += next.length();
            }
            return new Run(first.kind(), first.storage(), first.hostOffset(), total);
        }
    }

    @Override
    public void readCompressed(ByteBuffer dst, long offset) throws IOException {
        long host;
        synchronized (lock) {
            Entry e = entry(offset);
            if (kind(e) != Kind.COMPRESSED) {
                throw new IOException(storage.location() + ": the grain at " + offset + " is no longer compressed");
            }
            host = e.value() * 512;
        }
        compressed.read(dst, host, (int) (offset % grainBytes));
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public ShallowMapping.Raw ensureData(long offset, long len, boolean overwrite, Below below) throws IOException {
        long inGrain = offset % grainBytes;
        long n = Math.min(Math.min(len, grainBytes - inGrain), length - offset);
        synchronized (lock) {
            if (compressed != null) {
                StagedGrain s = stage(offset, below);
                s.expectWrite();
                return new ShallowMapping.Raw(s, inGrain, n, true);
            }
            Entry e = entry(offset);
            Kind k = kind(e);
            if (k == Kind.DATA) {
                return new ShallowMapping.Raw(storage, e.value() * 512 + inGrain, n, true);
            }
            long sector = allocate(e, offset);
            long host = sector * 512;
            boolean fromParent = k == Kind.UNALLOCATED && below.exists();
            long grainStart = start + offset - inGrain;
            // the grain is written whole before its entry points to it; the caller writes what it skips
            long skipFrom = overwrite ? inGrain : grainBytes;
            long skipTo = overwrite ? inGrain + n : grainBytes;
            fill(host, grainStart, 0, skipFrom, fromParent, below);
            fill(host, grainStart, skipTo, grainBytes, fromParent, below);
            if (storage.size() < host + grainBytes) {
                storage.resize(host + grainBytes, Preallocation.OFF); // the caller writes the grain's end
            }
            storage.sync();
            setEntry(e, sector);
            storage.flush();
            return new ShallowMapping.Raw(storage, host + inGrain, n, true);
        }
    }

    /** Takes the next grain's sector for the grain whose (unallocated or zeroed) entry is {@code e}. */
    private long allocate(Entry e, long offset) throws IOException {
        checkAllocatable(e, offset);
        if (nextSector + h.grainSectors > MAX_SECTORS) {
            throw new IOException(storage.location() + ": the extent is full (grains end at 2 TiB)");
        }
        long sector = nextSector;
        nextSector += h.grainSectors;
        return sector;
    }

    /** Refuses grains this driver cannot allocate: without a grain table, or in a stream with a footer. */
    private void checkAllocatable(Entry e, long offset) throws IOException {
        if (e.at() < 0) {
            throw new UnsupportedFeatureException(storage.location() + ": cannot allocate the grain at offset "
                    + offset + ": its grain table is not allocated");
        }
        if (h.fromFooter) {
            throw new UnsupportedFeatureException(storage.location() + ": writing to an extent whose grain"
                    + " directory lies at its end (as VMware streams it) is not supported");
        }
    }

    /** Writes bytes {@code [from, to)} of a new grain at {@code host}: the parent's data there, or zeroes. */
    private void fill(long host, long guestStart, long from, long to, boolean fromParent, Below below)
            throws IOException {
        for (long pos = from; pos < to; ) {
            int n = (int) Math.min(COPY_CHUNK, to - pos);
            ByteBuffer buf;
            if (fromParent) {
                buf = ByteBuffer.allocate(n);
                below.read(buf, guestStart + pos);
                buf.flip();
            } else {
                buf = Buffers.zeroes(n);
            }
            storage.write(buf, host + pos);
            pos += n;
        }
    }

    /** Points the grain table entry (and its copy in the backup grain table) at {@code sector}. */
    private void setEntry(Entry e, long sector) throws IOException {
        tables.set(storage, e.at(), sector);
        long rgd = h.rgdBytes();
        if (rgd != 0) {
            long backupGt = tables.get(storage, rgd + e.l1Index() * 4);
            if (backupGt != 0) {
                tables.set(storage, backupGt * 512 + e.l2Index() * 4, sector);
            }
        }
    }

    // ---------------------------------------------------------------- stream-optimized writes

    /** The staged grain for a write at {@code offset}, staging it when needed. Call with the lock held. */
    private StagedGrain stage(long offset, Below below) throws IOException {
        long index = offset / grainBytes;
        StagedGrain s = staged.get(index);
        if (s != null) {
            return s;
        }
        Entry e = entry(offset);
        Kind k = kind(e);
        if (k == Kind.COMPRESSED) {
            throw new IOException(storage.location() + ": Could not write to allocated cluster for streamOptimized");
        }
        checkAllocatable(e, offset);
        // the writer has moved on: the grains before this one that nobody is writing are done; and whatever order
        // writers go in, no more than a bounded number of grains wait
        for (StagedGrain earlier : staged.headMap(index).values().toArray(StagedGrain[]::new)) {
            if (earlier.idle()) {
                append(earlier);
            }
        }
        for (StagedGrain waiting : staged.values().toArray(StagedGrain[]::new)) {
            if ((staged.size() + 1) * grainBytes > MAX_STAGED_BYTES && waiting.idle()) {
                append(waiting);
            }
        }
        long grainStart = index * grainBytes;
        byte[] content = new byte[(int) grainBytes];
        if (k == Kind.UNALLOCATED && below.exists()) {
            below.read(ByteBuffer.wrap(content), start + grainStart);
        }
        int limit = (int) Math.min(grainBytes, length - grainStart);
        s = new StagedGrain(storage.location(), index, content, limit, this::completed);
        staged.put(index, s);
        return s;
    }

    private void completed(StagedGrain s) throws IOException {
        synchronized (lock) {
            if (staged.get(s.index()) == s) {
                append(s);
            }
        }
    }

    /** Compresses a staged grain, appends it, and points its grain table entry at it. Call with the lock held. */
    private void append(StagedGrain s) throws IOException {
        byte[] data = s.seal();
        long grainStart = s.index() * grainBytes;
        ByteBuffer grain = CompressedGrains.deflate(ByteBuffer.wrap(data, 0, s.limit()), (start + grainStart) / 512);
        long sectors = grain.remaining() / 512;
        if (nextSector + sectors > MAX_SECTORS) {
            throw new IOException(storage.location() + ": the extent is full (grains end at 2 TiB)");
        }
        long sector = nextSector;
        storage.write(grain, sector * 512);
        nextSector += sectors;
        setEntry(entry(grainStart), sector);
        staged.remove(s.index());
    }

    @Override
    public void flush() throws IOException {
        synchronized (lock) {
            while (!staged.isEmpty()) {
                append(staged.firstEntry().getValue());
            }
        }
    }

    @Override
    public void clearCache() throws IOException {
        synchronized (lock) {
            flush();
            tables.clear(storage);
            if (compressed != null) {
                compressed.clear();
            }
            nextSector = Math.max(nextSector, firstFreeSector());
        }
    }

    // ---------------------------------------------------------------- zeroed grains

    @Override
    public boolean canZero(long offset, long len) throws IOException {
        if (!h.hasZeroGrains()) {
            return false;
        }
        synchronized (lock) {
            for (long pos = offset; pos < offset + len; pos += grainBytes) {
                if (pos % grainBytes != 0 || offset + len - pos < grainBytes || pos + grainBytes > length
                        || entry(pos).at() < 0) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void zero(long offset, long len) throws IOException {
        synchronized (lock) {
            for (long pos = offset; pos < offset + len; pos += grainBytes) {
                StagedGrain s = staged.remove(pos / grainBytes);
                if (s != null) {
                    s.seal();
                }
                Entry e = entry(pos);
                if (kind(e) != Kind.ZERO) {
                    setEntry(e, 1);
                }
            }
        }
    }

    // ---------------------------------------------------------------- check

    @Override
    public long checkStep() {
        return grainBytes;
    }

    /**
     * QEMU's loop, fast: grain tables that are not allocated are skipped whole, and each grain table is scanned
     * once for entries pointing past the end of the file, however often the grain directory lists it.
     */
    @Override
    public CheckError check(long offset) throws IOException {
        long fileLength = storage.size();
        Map<Long, BitSet> badEntries = new HashMap<>();
        long pos = offset;
        synchronized (lock) {
            while (pos < length) {
                long sector = pos >>> 9;
                long l1Index = (sector / h.sectorsPerGt) & 0xffffffffL;
                if (l1Index >= h.gdEntries) {
                    return new CheckError("could not get cluster_offset for sector " + (start + pos) / 512,
                            "Operation not permitted");
                }
                long gt = tables.get(storage, h.gdBytes() + l1Index * 4);
                long tableEnd = (l1Index + 1) * h.sectorsPerGt * 512;
                // the steps from pos that stay in this grain table's range
                long steps = Math.max(1, (Math.min(tableEnd, length) - pos + grainBytes - 1) / grainBytes);
                if (gt != 0) {
                    BitSet bad = badEntries.get(gt);
                    if (bad == null) {
                        bad = new BitSet(h.gtEntries);
                        for (int i = 0; i < h.gtEntries; i++) {
                            long v = tables.get(storage, gt * 512 + i * 4L);
                            boolean zeroed = v == 1 && h.hasZeroGrains();
                            if (v != 0 && !zeroed && v * 512 >= fileLength) {
                                bad.set(i);
                            }
                        }
                        badEntries.put(gt, bad);
                    }
                    long step = firstBadStep(bad, (int) ((sector / h.grainSectors) % h.gtEntries), steps);
                    if (step >= 0) {
                        return new CheckError("cluster offset for sector " + (start + pos + step * grainBytes) / 512
                                + " points after EOF", "Invalid argument");
                    }
                }
                pos += steps * grainBytes;
            }
        }
        return null;
    }

    /**
     * The first of {@code steps} steps, visiting grain table entries {@code from}, {@code from + 1}, ... (wrapping
     * around, as QEMU's index arithmetic does), that meets a bad entry; -1 when none does.
     */
    private long firstBadStep(BitSet bad, int from, long steps) {
        int a = bad.nextSetBit(from);
        if (a >= 0 && a - from < steps) {
            return a - from;
        }
        int b = bad.nextSetBit(0);
        long wrapped = h.gtEntries - from + (long) b;
        return b >= 0 && b < from && wrapped < steps ? wrapped : -1;
    }

    // ---------------------------------------------------------------- info

    @Override
    public Map<String, Object> info(String fileName, String type) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (compressed != null) {
            m.put("compressed", true);
        }
        m.put("virtual-size", length);
        m.put("filename", fileName);
        m.put("cluster-size", grainBytes);
        m.put("format", type);
        return m;
    }
}
