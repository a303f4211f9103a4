package org.strata.format.qcow2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.ImageFormatException;
import org.strata.api.SnapshotInfo;

/** The internal snapshot table (docs/interop/qcow2.rst, "Snapshots"): reading, bounds, encoding. */
final class SnapshotTable {

    static final int MAX_SNAPSHOTS = 65536;
    static final long MAX_TABLE_BYTES = 64L << 20;
    static final int MAX_EXTRA = 1024;

    /** One snapshot. {@code extraTail} keeps extra data this version does not know. */
    record Entry(long l1Offset, int l1Size, String id, String name, long dateSec, long dateNsec, long vmClockNsec,
                 long vmStateSize, long diskSize, long icount, byte[] extraTail) {
    }

    private final ImageFile file;
    private final Refcounts refcounts;
    private List<Entry> entries = new ArrayList<>();
    /** Bytes of the table on disk (0 without snapshots). */
    private long tableBytes;

    SnapshotTable(ImageFile file, Refcounts refcounts) {
        this.file = file;
        this.refcounts = refcounts;
    }

    List<Entry> entries() {
        return entries;
    }

    long tableBytes() {
        return tableBytes;
    }

    void load() throws IOException {
        Header h = file.header();
        String name = file.name();
        List<Entry> list = new ArrayList<>();
        long pos = h.snapshotsOffset();
        long fileSize = file.storage().size();
        long l1Bytes = 0;
        for (int i = 0; i < h.snapshotCount(); i++) {
            if (pos - h.snapshotsOffset() > MAX_TABLE_BYTES || pos + 40 > fileSize) {
                throw new ImageFormatException(name + ": snapshot table is too large or truncated");
            }
            ByteBuffer f = read(pos, 40);
            long l1Offset = f.getLong(0);
            int l1Size = f.getInt(8);
            int idLen = f.getShort(12) & 0xffff;
            int nameLen = f.getShort(14) & 0xffff;
            long dateSec = f.getInt(16) & 0xffffffffL;
            long dateNsec = f.getInt(20) & 0xffffffffL;
            long vmClock = f.getLong(24);
            long vmState = f.getInt(32) & 0xffffffffL;
            int extraLen = f.getInt(36);
            if (extraLen < 0 || extraLen > MAX_EXTRA) {
                throw new ImageFormatException(name + ": snapshot " + i + " has too much extra data (" + extraLen
                        + " bytes)");
            }
            ByteBuffer extra = read(pos + 40, extraLen);
            long diskSize = h.size();
            long icount = -1;
            if (extraLen >= 8) {
                vmState = extra.getLong(0);
            }
            if (extraLen >= 16) {
                diskSize = extra.getLong(8);
            }
            if (extraLen >= 24) {
                icount = extra.getLong(16);
            }
            byte[] tail = extraLen > 24 ? java.util.Arrays.copyOfRange(extra.array(), 24, extraLen) : new byte[0];
            String id = new String(read(pos + 40 + extraLen, idLen).array(), StandardCharsets.UTF_8);
            String snapshotName = new String(read(pos + 40 + extraLen + idLen, nameLen).array(),
                    StandardCharsets.UTF_8);
            long len = 40L + extraLen + idLen + nameLen;
            pos += (len + 7) / 8 * 8;
            if ((long) l1Size * 8 > Header.MAX_L1_BYTES || l1Size < 0) {
                throw new ImageFormatException(name + ": snapshot '" + snapshotName
                        + "' has an L1 table that is too large");
            }
            Header.checkTable(name, "snapshot L1 table", l1Offset, (long) l1Size * 8, file.clusterSize(), fileSize);
            l1Bytes += (long) l1Size * 8;
            if (l1Bytes > fileSize) {
                // Distinct snapshots need distinct L1 tables: more than the file holds means they overlap.
                throw new ImageFormatException(name + ": snapshot L1 tables are larger than the file");
            }
            list.add(new Entry(l1Offset, l1Size, id, snapshotName, dateSec, dateNsec, vmClock, vmState, diskSize,
                    icount, tail));
        }
        tableIs(list, h.snapshotCount() > 0 ? pos - h.snapshotsOffset() : 0);
    }

    private void tableIs(List<Entry> list, long bytes) {
        entries = list;
        tableBytes = bytes;
        file.overlaps().snapshotsAre(file.header().snapshotsOffset(), bytes, list);
    }

    private ByteBuffer read(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        file.storage().read(b, offset);
        b.flip();
        return b;
    }

    List<SnapshotInfo> infos() {
        List<SnapshotInfo> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(new SnapshotInfo(e.id, e.name, e.vmStateSize, e.dateSec, e.dateNsec, e.vmClockNsec,
                    e.icount));
        }
        return out;
    }

    Entry find(String nameOrId) {
        for (Entry e : entries) {
            if (e.id.equals(nameOrId)) {
                return e;
            }
        }
        for (Entry e : entries) {
            if (e.name.equals(nameOrId)) {
                return e;
            }
        }
        return null;
    }

    /** The first snapshot with this id and this name, a null one not compared (QEMU's find_snapshot_by_id_and_name). */
    Entry find(String id, String name) {
        for (Entry e : entries) {
            if ((id == null || e.id.equals(id)) && (name == null || e.name.equals(name))) {
                return e;
            }
        }
        return null;
    }

    static byte[] encode(List<Entry> list) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : list) {
            byte[] id = e.id.getBytes(StandardCharsets.UTF_8);
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            int extraLen = 24 + e.extraTail.length;
            int len = 40 + extraLen + id.length + name.length;
            ByteBuffer b = ByteBuffer.allocate((len + 7) / 8 * 8);
            b.putLong(e.l1Offset).putInt(e.l1Size).putShort((short) id.length).putShort((short) name.length);
            b.putInt((int) e.dateSec).putInt((int) e.dateNsec).putLong(e.vmClockNsec);
            b.putInt((int) Math.min(e.vmStateSize, 0xffffffffL)).putInt(extraLen);
            b.putLong(e.vmStateSize).putLong(e.diskSize).putLong(e.icount).put(e.extraTail);
            b.put(id).put(name);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    /**
     * Writes {@code list} as the new snapshot table in newly allocated clusters, switches the header to it and
     * frees the old table.
     */
    void store(List<Entry> list) throws IOException {
        byte[] data = encode(list);
        long cs = file.clusterSize();
        long newOffset = 0;
        if (!list.isEmpty()) {
            long clusters = (data.length + cs - 1) / cs;
            newOffset = refcounts.allocate(clusters);
            refcounts.flush();
            file.writeNewMetadata("snapshot table", ByteBuffer.wrap(data), newOffset);
            file.storage().sync();
        }
        long oldOffset = file.header().snapshotsOffset();
        long oldBytes = tableBytes;
        file.writeHeader(file.header().withSnapshotTable(newOffset, list.size()));
        file.storage().sync();
        if (oldOffset != 0 && oldBytes > 0) {
            for (long c = 0; c < (oldBytes + cs - 1) / cs; c++) {
                refcounts.add((oldOffset >>> file.geometry().clusterBits) + c, -1);
            }
        }
        tableIs(new ArrayList<>(list), data.length);
    }
}
