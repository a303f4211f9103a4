package org.strata.format.vhdx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.zip.CRC32C;

import org.strata.api.ImageFormatException;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * The metadata log: a circular buffer of entries, each a header, descriptors (write these 4 KiB, zero that range)
 * and data sectors, checksummed as a whole and valid only under the log GUID the current header names.
 *
 * <p>Replay finds the active sequence as QEMU does (a linear scan; of the runs of consecutive entries, the one
 * whose first entry has the highest sequence number) and writes what it describes; a read-only open of an image
 * with a pending log is refused, as QEMU refuses it. Strata writes metadata changes (BAT and metadata sectors)
 * as one transaction: a new log GUID, entries written and synced from the log's start, applied and synced, then
 * the log GUID cleared.
 */
final class Log {

    private static final int SIGNATURE = Layout.signature4("loge");
    private static final int DESCRIPTOR = Layout.signature4("desc");
    private static final int ZERO = Layout.signature4("zero");
    private static final int DATA = Layout.signature4("data");
    private static final int SECTOR = Layout.LOG_SECTOR;
    private static final int HEADER = 64;
    private static final int DESC = 32;
    /** Descriptor sectors of one entry read at most (16 MiB of descriptors): more is hostile. */
    private static final long MAX_DESC_SECTORS = 4096;
    /** No log entry may make the file larger than this (128 TiB: a 64 TiB disk and its metadata). */
    private static final long MAX_FILE_OFFSET = 128 * Layout.TIB;

    private final Storage file;
    private final Headers headers;
    private final String name;
    private long nextSequence = 1;

    /** One write of a log entry: data for a 4 KiB sector, or zeroes for a range. */
    private record Descriptor(boolean zero, long fileOffset, long zeroLength, long leading, int trailing) {
    }

    /** A valid entry at {@code position} of the log. */
    private record Entry(long position, long length, long sequence, int descSectors, List<Descriptor> descriptors,
                         long flushedFileOffset, long lastFileOffset) {
    }

    Log(Storage file, Headers headers, String name) throws IOException {
        this.file = file;
        this.headers = headers;
        this.name = name;
        Header h = headers.current();
        if (h.logOffset() < Layout.MIB || h.logOffset() % Layout.MIB != 0 || h.logVersion() != 0) {
            throw new ImageFormatException(name + ": invalid VHDX log (offset " + h.logOffset() + ", version "
                    + h.logVersion() + ")");
        }
    }

    /** The log's place in the file, for overlap checks. */
    RegionTable.Region region() {
        Header h = headers.current();
        return new RegionTable.Region(h.logOffset(), h.logLength());
    }

    /**
     * Replays a pending log, if there is one.
     *
     * @return whether a log was replayed
     * @throws ImageFormatException when the image is opened read-only with a pending log, or the log cannot be replayed
     */
    boolean replay(boolean writable) throws IOException {
        Header h = headers.current();
        if (h.logGuid().isZero() || h.logLength() == 0) {
            return false;
        }
        if (h.logLength() % Layout.MIB != 0) {
            throw new ImageFormatException(name + ": invalid VHDX log length " + h.logLength());
        }
        List<Entry> active = activeSequence(h);
        if (active.isEmpty()) {
            return false;
        }
        if (!writable) {
            throw new ImageFormatException("VHDX image file '" + name + "' opened read-only, but contains a log"
                    + " that needs to be replayed (open it for writing to replay it, as image:check -r all does)");
        }
        headers.beforeVisibleChange();
        for (Entry e : active) {
            apply(h, e);
        }
        file.sync();
        headers.setLogGuid(Guid.ZERO);
        nextSequence = active.get(active.size() - 1).sequence() + 1;
        return true;
    }

    private List<Entry> activeSequence(Header h) throws IOException {
        long length = h.logLength();
        // past the end of the file the log reads as zeroes: no entries there
        long scan = Math.min(length, Math.max(0, Layout.roundUp(file.size() - h.logOffset(), SECTOR)));
        List<Entry> best = List.of();
        long pos = 0;
        while (pos < scan) {
            Entry first = readEntry(h, pos, 0);
            if (first == null) {
                pos += SECTOR;
                continue;
            }
            List<Entry> run = new ArrayList<>(List.of(first));
            long next = pos + first.length();
            for (Entry e = first; next < pos + length; next += e.length()) {
                e = readEntry(h, next % length, e.sequence() + 1);
                if (e == null) {
                    break;
                }
                run.add(e);
            }
            if (best.isEmpty() || Long.compareUnsigned(first.sequence(), best.get(0).sequence()) > 0) {
                best = run;
            }
            pos = next;
        }
        return best;
    }

    /** The entry at {@code pos}, or null when none valid starts there ({@code sequence} 0: any sequence number). */
    private Entry readEntry(Header h, long pos, long sequence) throws IOException {
        long length = h.logLength();
        ByteBuffer first = readSector(h, pos);
        long entryLength = Integer.toUnsignedLong(first.getInt(8));
        long seq = first.getLong(16);
        long descCount = Integer.toUnsignedLong(first.getInt(24));
        if (first.getInt(0) != SIGNATURE || entryLength > length || entryLength % SECTOR != 0 || entryLength == 0
                || seq == 0 || (sequence != 0 && seq != sequence) || !Guid.read(first, 32).equals(h.logGuid())
                || descCount * DESC > entryLength) {
            return null;
        }
        long sectors = entryLength / SECTOR;
        long descSectors = descSectors(descCount);
        if (descSectors > MAX_DESC_SECTORS || descSectors > sectors) {
            throw invalid(pos, "too many descriptors");
        }
        ByteBuffer descs = Layout.buffer((int) descSectors * SECTOR);
        CRC32C crc = new CRC32C();
        for (long i = 0; i < sectors; i++) {
            ByteBuffer s = i == 0 ? first : readSector(h, (pos + i * SECTOR) % length);
            if (i < descSectors) {
                descs.put((int) i * SECTOR, s, 0, SECTOR);
            }
            if (i == 0) {
                s = Layout.buffer(SECTOR).put(0, s, 0, SECTOR).putInt(4, 0);
            }
            crc.update(s.clear());
        }
        List<Descriptor> list = descriptors(descs, descCount, seq, pos);
        if (list.stream().filter(d -> !d.zero()).count() > sectors - descSectors) {
            throw invalid(pos, "more data descriptors than data sectors");
        }
        if ((int) crc.getValue() != first.getInt(4)) {
            return null;
        }
        return new Entry(pos, entryLength, seq, (int) descSectors, list, first.getLong(48), first.getLong(56));
    }

    private List<Descriptor> descriptors(ByteBuffer descs, long count, long seq, long pos) throws IOException {
        List<Descriptor> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = HEADER + i * DESC;
            int signature = descs.getInt(at);
            long fileOffset = descs.getLong(at + 16);
            long length = descs.getLong(at + 8);
            boolean zero = signature == ZERO;
            if (descs.getLong(at + 24) != seq || fileOffset % SECTOR != 0 || !(zero || signature == DESCRIPTOR)
                    || (zero && length % SECTOR != 0)) {
                throw invalid(pos, "invalid descriptor " + i);
            }
            list.add(new Descriptor(zero, fileOffset, zero ? length : 0, length, descs.getInt(at + 4)));
        }
        return list;
    }

    private ImageFormatException invalid(long pos, String what) {
        return new ImageFormatException(name + ": invalid VHDX log entry at log offset " + pos + ": " + what);
    }

    private ByteBuffer readSector(Header h, long pos) throws IOException {
        ByteBuffer b = Layout.buffer(SECTOR);
        file.read(b, h.logOffset() + pos);
        return b.clear();
    }

    /** Sectors that hold a header and {@code count} descriptors (the header takes two descriptors' room). */
    private static long descSectors(long count) {
        return (count + 2 + SECTOR / DESC - 1) / (SECTOR / DESC);
    }

    private void apply(Header h, Entry e) throws IOException {
        long size = file.size();
        if (Long.compareUnsigned(e.flushedFileOffset(), size) > 0) {
            throw new ImageFormatException(name + ": the VHDX log cannot be replayed: it needs a file of "
                    + Long.toUnsignedString(e.flushedFileOffset()) + " bytes, but the file has " + size
                    + " (it has probably been truncated)");
        }
        if (Long.compareUnsigned(e.lastFileOffset(), MAX_FILE_OFFSET) > 0) {
            throw invalid(e.position(), "file size " + Long.toUnsignedString(e.lastFileOffset()));
        }
        long limit = Math.max(size, Layout.roundUp(e.lastFileOffset(), Layout.MIB));
        long dataSector = e.descSectors();
        for (Descriptor d : e.descriptors()) {
            long end = d.fileOffset() + (d.zero() ? d.zeroLength() : SECTOR);
            if (d.fileOffset() < 0 || end < d.fileOffset() || end > limit) {
                throw invalid(e.position(), "a write beyond the file's end (" + limit + " bytes)");
            }
            if (d.zero()) {
                file.writeZeroes(d.fileOffset(), d.zeroLength(), false);
                continue;
            }
            ByteBuffer data = readSector(h, (e.position() + dataSector++ * SECTOR) % h.logLength());
            long seq = (Integer.toUnsignedLong(data.getInt(4)) << 32) | Integer.toUnsignedLong(data.getInt(4092));
            if (seq != e.sequence()) {
                throw invalid(e.position(), "a data sector of another sequence");
            }
            data.putLong(0, d.leading()).putInt(4092, d.trailing());
            file.write(data.clear(), d.fileOffset());
        }
        if (size < e.lastFileOffset()) {
            file.resize(limit, Preallocation.OFF);
        }
    }

    /**
     * Writes {@code sectors} (4 KiB-aligned file offset to 4 KiB of content) through the log: safely on disk in
     * the log before any of them is written in place.
     */
    void commit(SortedMap<Long, ByteBuffer> sectors) throws IOException {
        Header h = headers.current();
        long capacity = h.logLength() / SECTOR - 1; // one sector stays free, as QEMU keeps it
        if (capacity < 2) {
            throw new ImageFormatException(name + ": the VHDX log (" + h.logLength() + " bytes) is too small to"
                    + " record metadata changes");
        }
        headers.setLogGuid(Guid.random());
        Iterator<Map.Entry<Long, ByteBuffer>> it = sectors.entrySet().iterator();
        List<Map.Entry<Long, ByteBuffer>> batch = new ArrayList<>();
        while (it.hasNext()) {
            batch.add(it.next());
            if (!it.hasNext() || descSectors(batch.size() + 1) + batch.size() + 1 > capacity) {
                ByteBuffer entry = entry(headers.current(), batch, nextSequence++);
                file.write(entry.clear(), h.logOffset());
                file.sync();
                for (Map.Entry<Long, ByteBuffer> s : batch) {
                    file.write(s.getValue().duplicate().clear(), s.getKey());
                }
                file.sync();
                batch.clear();
            }
        }
        headers.setLogGuid(Guid.ZERO);
    }

    private ByteBuffer entry(Header h, List<Map.Entry<Long, ByteBuffer>> batch, long seq) throws IOException {
        int n = batch.size();
        int descSectors = (int) descSectors(n);
        ByteBuffer e = Layout.buffer((descSectors + n) * SECTOR);
        long size = file.size();
        e.putInt(0, SIGNATURE).putInt(8, e.capacity()).putInt(12, 0).putLong(16, seq).putInt(24, n);
        h.logGuid().write(e, 32);
        e.putLong(48, size).putLong(56, size);
        for (int k = 0; k < n; k++) {
            ByteBuffer data = batch.get(k).getValue();
            int at = HEADER + k * DESC;
            e.putInt(at, DESCRIPTOR).putInt(at + 4, data.getInt(SECTOR - 4)).putLong(at + 8, data.getLong(0))
                    .putLong(at + 16, batch.get(k).getKey()).putLong(at + 24, seq);
            int s = (descSectors + k) * SECTOR;
            e.put(s, data, 0, SECTOR).putInt(s, DATA).putInt(s + 4, (int) (seq >>> 32))
                    .putInt(s + SECTOR - 4, (int) seq);
        }
        Checksum.seal(e, 4);
        return e;
    }
}
