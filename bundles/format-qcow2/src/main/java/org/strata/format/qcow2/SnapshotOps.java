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

    private final Qcow2Image img;
    private final ImageState s;

    SnapshotOps(Qcow2Image image) {
        this.img = image;
        this.s = image.s;
    }

    private void refuseDataFile() throws IOException {
        if (s.hasDataFile()) {
            throw new UnsupportedFeatureException(s.name + ": internal snapshots are not supported with an external "
                    + "data file");
        }
    }

    void create(String name) throws IOException {
        refuseDataFile();
        SnapshotTable table = img.snapshots;
        for (SnapshotTable.Entry e : table.entries()) {
            if (e.name().equals(name)) {
                throw new IllegalArgumentException("Snapshot '" + name + "' already exists");
            }
        }
        if (table.entries().size() >= SnapshotTable.MAX_SNAPSHOTS) {
            throw new IOException(s.name + ": too many snapshots");
        }
        img.flushLocked();
        long[] l1 = img.map.l1();
        // One more reference on everything the active table reaches; flags follow.
        adjust(l1, 1, true);
        img.flushLocked();
        long cs = s.clusterSize();
        long bytes = (long) l1.length * 8;
        long l1Offset = 0;
        if (bytes > 0) {
            long clusters = (bytes + cs - 1) / cs;
            l1Offset = img.refcounts.allocate(clusters);
            s.checkOverlap(l1Offset, bytes, "snapshot L1 table");
            ByteBuffer b = ByteBuffer.allocate((int) bytes);
            for (long e : img.map.l1()) {
                b.putLong(e & ~L2Entry.COPIED);
            }
            img.refcounts.flush();
            s.file.write(b.flip(), l1Offset);
        }
        java.time.Instant now = java.time.Instant.now();
        List<SnapshotTable.Entry> list = new ArrayList<>(table.entries());
        list.add(new SnapshotTable.Entry(l1Offset, l1.length, nextId(table), name, now.getEpochSecond(),
                now.getNano() / 1000 * 1000L, 0, 0, s.header.size, 0, new byte[0]));
        table.store(list, img.refcounts);
        img.flushLocked();
    }

    private static String nextId(SnapshotTable table) {
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
        if (sn.diskSize() != s.header.size) {
            throw new UnsupportedFeatureException(s.name + ": loading snapshots with a different disk size is not "
                    + "supported");
        }
        img.flushLocked();
        long[] snapL1 = img.map.readL1(sn.l1Offset(), sn.l1Size());
        adjust(snapL1, 1, false);
        img.flushLocked();
        if (snapL1.length > img.map.l1().length) {
            img.map.growL1(snapL1.length);
        }
        long[] old = img.map.l1().clone();
        long[] active = new long[old.length];
        System.arraycopy(snapL1, 0, active, 0, snapL1.length);
        ByteBuffer b = ByteBuffer.allocate(active.length * 8);
        b.asLongBuffer().put(active);
        s.checkMetadataOffset(s.header.l1TableOffset, "active L1 table");
        s.file.write(b, s.header.l1TableOffset);
        s.file.sync();
        img.map.replaceL1(active);
        adjust(old, -1, false);
        adjust(active, 0, true);
        img.flushLocked();
    }

    void delete(String nameOrId) throws IOException {
        SnapshotTable.Entry sn = find(nameOrId);
        img.flushLocked();
        List<SnapshotTable.Entry> list = new ArrayList<>(img.snapshots.entries());
        list.remove(sn);
        img.snapshots.store(list, img.refcounts);
        long[] snapL1 = img.map.readL1(sn.l1Offset(), sn.l1Size());
        adjust(snapL1, -1, false);
        long cs = s.clusterSize();
        long bytes = (long) sn.l1Size() * 8;
        for (long c = 0; c < (bytes + cs - 1) / cs; c++) {
            img.refcounts.add((sn.l1Offset() >>> s.geometry.clusterBits) + c, -1);
        }
        adjust(img.map.l1(), 0, true);
        img.flushLocked();
    }

    private SnapshotTable.Entry find(String nameOrId) throws IOException {
        SnapshotTable.Entry sn = img.snapshots.find(nameOrId);
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
        Geometry g = s.geometry;
        Refcounts rc = img.refcounts;
        for (int i = 0; i < l1.length; i++) {
            long l2Off = l1[i] & L2Entry.OFFSET_MASK;
            if (l2Off == 0) {
                continue;
            }
            s.checkMetadataOffset(l2Off, "L2 table");
            for (int j = 0; j < g.l2Entries; j++) {
                byte[] t = img.map.table(l2Off);
                long e = img.map.entry(t, j);
                long host = L2Entry.offset(e);
                boolean compressed = L2Entry.isCompressed(e);
                if (delta != 0) {
                    if (compressed) {
                        long off = L2Entry.compressedOffset(e, g.clusterBits);
                        long len = L2Entry.compressedLength(e, g.clusterBits);
                        for (long c = off >>> g.clusterBits; c <= (off + len - 1) >>> g.clusterBits; c++) {
                            rc.add(c, delta);
                        }
                    } else if (host != 0) {
                        rc.add(host >>> g.clusterBits, delta);
                    }
                }
                if (active && !compressed && host != 0) {
                    boolean single = rc.get(host >>> g.clusterBits) == 1;
                    long flagged = single ? e | L2Entry.COPIED : e & ~L2Entry.COPIED;
                    if (flagged != e) {
                        img.map.set(l2Off, j, flagged, img.map.bitmap(img.map.table(l2Off), j));
                    }
                }
            }
            if (delta != 0) {
                rc.add(l2Off >>> g.clusterBits, delta);
            }
            if (active) {
                boolean single = rc.get(l2Off >>> g.clusterBits) == 1;
                long flagged = single ? l1[i] | L2Entry.COPIED : l1[i] & ~L2Entry.COPIED;
                if (flagged != l1[i]) {
                    img.map.setL1(i, flagged);
                }
            }
        }
    }
}
