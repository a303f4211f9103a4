package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.strata.api.UnsupportedFeatureException;

/**
 * Creating, reverting to and deleting internal snapshots. A snapshot is a copy of the active L1 table plus one
 * more reference on every L2 table and data cluster it reaches; COPIED flags in the active tables follow the
 * refcounts afterwards. Runs under the metadata lock.
 */
final class SnapshotOps {

    private final Qcow2Image image;
    private final ImageFile file;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final SnapshotTable table;

    SnapshotOps(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
        this.map = image.clusterMap();
        this.refcounts = image.refcounts();
        this.table = image.snapshotTable();
    }

    private void refuseDataFile() throws IOException {
        if (file.header().hasDataFile()) {
            throw new UnsupportedFeatureException(file.name() + ": internal snapshots are not supported with an "
                    + "external data file");
        }
    }

    void create(String name) throws IOException {
        refuseDataFile();
        for (SnapshotTable.Entry e : table.entries()) {
            if (e.name().equals(name)) {
                throw new IllegalArgumentException("Snapshot '" + name + "' already exists");
            }
        }
        if (table.entries().size() >= SnapshotTable.MAX_SNAPSHOTS) {
            throw new IOException(file.name() + ": too many snapshots");
        }
        image.flushLocked();
        long[] l1 = map.l1();
        // One more reference on everything the active table reaches; flags follow.
        adjust(l1, 1, true);
        image.flushLocked();
        long cs = file.clusterSize();
        long bytes = (long) l1.length * 8;
        long l1Offset = 0;
        if (bytes > 0) {
            long clusters = (bytes + cs - 1) / cs;
            l1Offset = refcounts.allocate(clusters);
            ByteBuffer b = ByteBuffer.allocate((int) bytes);
            for (long e : map.l1()) {
                b.putLong(e & ~L2Entry.COPIED);
            }
            refcounts.flush();
            file.writeNewMetadata("snapshot L1 table", b.flip(), l1Offset);
        }
        java.time.Instant now = java.time.Instant.now();
        List<SnapshotTable.Entry> list = new ArrayList<>(table.entries());
        list.add(new SnapshotTable.Entry(l1Offset, l1.length, nextId(), name, now.getEpochSecond(),
                now.getNano() / 1000 * 1000L, 0, 0, file.header().size(), 0, new byte[0]));
        table.store(list);
        image.flushLocked();
    }

    private String nextId() {
        long max = 0;
        for (SnapshotTable.Entry e : table.entries()) {
            try {
                max = Math.max(max, Long.parseLong(e.id()));
            } catch (NumberFormatException ignored) {
                // ids need not be numbers
            }
        }
        return Long.toString(max + 1);
    }

    void apply(String nameOrId) throws IOException {
        refuseDataFile();
        SnapshotTable.Entry sn = find(nameOrId);
        if (sn.diskSize() != file.header().size()) {
            throw new UnsupportedFeatureException(file.name() + ": loading snapshots with a different disk size is not "
                    + "supported");
        }
        image.flushLocked();
        long[] snapL1 = map.readL1(sn.l1Offset(), sn.l1Size());
        adjust(snapL1, 1, false);
        image.flushLocked();
        if (snapL1.length > map.l1().length) {
            map.growL1(snapL1.length);
        }
        long[] old = map.l1().clone();
        long[] active = new long[old.length];
        System.arraycopy(snapL1, 0, active, 0, snapL1.length);
        map.replaceL1(active);
        adjust(old, -1, false);
        adjust(active, 0, true);
        image.flushLocked();
    }

    void delete(String nameOrId) throws IOException {
        SnapshotTable.Entry sn = find(nameOrId);
        image.flushLocked();
        List<SnapshotTable.Entry> list = new ArrayList<>(table.entries());
        list.remove(sn);
        table.store(list);
        long[] snapL1 = map.readL1(sn.l1Offset(), sn.l1Size());
        adjust(snapL1, -1, false);
        long cs = file.clusterSize();
        long bytes = (long) sn.l1Size() * 8;
        for (long c = 0; c < (bytes + cs - 1) / cs; c++) {
            refcounts.add((sn.l1Offset() >>> file.geometry().clusterBits) + c, -1);
        }
        adjust(map.l1(), 0, true);
        image.flushLocked();
    }

    private SnapshotTable.Entry find(String nameOrId) throws IOException {
        SnapshotTable.Entry sn = table.find(nameOrId);
        if (sn == null) {
            throw new IOException("Could not find snapshot '" + nameOrId + "'");
        }
        return sn;
    }

    /**
     * Adds {@code delta} to the refcount of every L2 table and data cluster that {@code l1} reaches; with
     * {@code active}, then sets the COPIED flags of the active tables to what the refcounts say.
     */
    private void adjust(long[] l1, int delta, boolean active) throws IOException {
        Geometry g = file.geometry();
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Entry.OFFSET_MASK;
            if (l2Off == 0) {
                continue;
            }
            file.checkMetadataOffset(l2Off, "L2 table");
            for (int j = 0; j < g.l2Entries; j++) {
                byte[] t = map.table(l2Off);
                long e = map.entry(t, j);
                long host = L2Entry.offset(e);
                boolean compressed = L2Entry.isCompressed(e);
                if (delta != 0) {
                    if (compressed) {
                        long off = L2Entry.compressedOffset(e, g.clusterBits);
                        long len = L2Entry.compressedLength(e, g.clusterBits);
                        for (long c = off >>> g.clusterBits; c <= (off + len - 1) >>> g.clusterBits; c++) {
                            refcounts.add(c, delta);
                        }
                    } else if (host != 0) {
                        refcounts.add(host >>> g.clusterBits, delta);
                    }
                }
                if (active && !compressed && host != 0) {
                    boolean single = refcounts.get(host >>> g.clusterBits) == 1;
                    long flagged = single ? e | L2Entry.COPIED : e & ~L2Entry.COPIED;
                    if (flagged != e) {
                        map.set(l2Off, j, flagged, map.bitmap(map.table(l2Off), j));
                    }
                }
            }
            if (delta != 0) {
                refcounts.add(l2Off >>> g.clusterBits, delta);
            }
            if (active) {
                boolean single = refcounts.get(l2Off >>> g.clusterBits) == 1;
                long flagged = single ? l1[i] | L2Entry.COPIED : l1[i] & ~L2Entry.COPIED;
                if (flagged != l1[i]) {
                    map.setL1(i, flagged);
                }
            }
        }
    }
}
