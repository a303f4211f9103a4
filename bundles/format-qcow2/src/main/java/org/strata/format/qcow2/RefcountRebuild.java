package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a whole new refcount structure (table and blocks) past the end of the file from the references the
 * metadata makes, then switches the header to it. Used when the dirty bit says the refcounts cannot be trusted
 * and by {@code check -r all} when refcounts are too low or their structure is broken. The old structure's
 * clusters simply become free.
 */
final class RefcountRebuild {

    private final Qcow2Image img;
    private final ImageState s;
    private final Geometry g;

    RefcountRebuild(Qcow2Image image) {
        this.img = image;
        this.s = image.s;
        this.g = s.geometry;
    }

    /** Rebuilds from freshly counted references; returns them. */
    References rebuild() throws IOException {
        References r = new References(img);
        r.countMetadata();
        write(r.refs, r.fileClusters);
        return r;
    }

    void write(int[] refs, long fileClusters) throws IOException {
        long cs = g.clusterSize;
        long epb = g.refblockEntries;
        long start = fileClusters;
        List<Long> used = new ArrayList<>();
        for (long idx = 0; idx * epb < fileClusters; idx++) {
            for (long c = idx * epb; c < Math.min(fileClusters, (idx + 1) * epb); c++) {
                if (refs[(int) c] != 0) {
                    used.add(idx);
                    break;
                }
            }
        }
        long nb = used.size();
        long tableClusters = 1;
        List<Long> blocks;
        while (true) {
            blocks = new ArrayList<>(used);
            long k = nb + tableClusters;
            for (long idx = start / epb; idx <= (start + k - 1) / epb; idx++) {
                if (!blocks.contains(idx)) {
                    blocks.add(idx);
                }
            }
            long maxIdx = blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1);
            long needTable = Math.max(1, (8 * (maxIdx + 1) + cs - 1) / cs);
            if (blocks.size() == nb && needTable == tableClusters) {
                break;
            }
            nb = blocks.size();
            tableClusters = needTable;
        }
        if (tableClusters * cs > Header.MAX_REFTABLE_BYTES) {
            throw new IOException(s.name + ": the rebuilt refcount table would exceed its maximum size");
        }
        long areaEnd = start + nb + tableClusters;
        long[] table = new long[(int) (tableClusters * cs / 8)];
        long next = start;
        long max = g.maxRefcount();
        Refcounts rc = img.refcounts;
        for (long idx : blocks) {
            byte[] block = new byte[(int) cs];
            long base = idx * epb;
            for (long c = base; c < base + epb; c++) {
                long v = c < fileClusters ? refs[(int) c] : 0;
                if (c >= start && c < areaEnd) {
                    v++;
                }
                if (v != 0) {
                    rc.setEntry(block, (int) (c - base), Math.min(v, max));
                }
            }
            long off = next++ * cs;
            s.file.write(ByteBuffer.wrap(block), off);
            table[(int) idx] = off;
        }
        ByteBuffer tb = ByteBuffer.allocate((int) (tableClusters * cs));
        tb.asLongBuffer().put(table);
        long tableOffset = (start + nb) * cs;
        s.file.write(tb, tableOffset);
        s.file.sync();
        s.header.refcountTableOffset = tableOffset;
        s.header.refcountTableClusters = (int) tableClusters;
        s.writeHeader();
        s.file.sync();
        rc.load();
    }
}
