package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a whole new refcount structure (table and blocks) past the end of the file from the references the
 * metadata makes, then switches the header to it. Used when the dirty bit says the refcounts cannot be trusted,
 * by {@code check -r all} when refcounts are too low or their structure is broken, and by amend to change the
 * refcount width. The old structure's clusters simply become free.
 */
final class RefcountRebuild {

    private final Qcow2Image image;
    private final ImageFile file;

    RefcountRebuild(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
    }

    /** Rebuilds from freshly counted references, with the refcount width the image has. */
    void rebuild() throws IOException {
        rebuild(file.header().refcountOrder());
    }

    /** Rebuilds from freshly counted references, with refcounts of {@code 2^refcountOrder} bits. */
    void rebuild(int refcountOrder) throws IOException {
        References r = new References(image);
        r.countMetadata();
        Header h = file.header();
        write(r.refs, r.fileClusters, new Geometry(h.clusterBits(), h.extendedL2(), refcountOrder));
    }

    private void write(int[] refs, long fileClusters, Geometry geometry) throws IOException {
        long cs = geometry.clusterSize;
        long epb = geometry.refblockEntries;
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
            throw new IOException(file.name() + ": the rebuilt refcount table would exceed its maximum size");
        }
        long areaEnd = start + nb + tableClusters;
        long[] table = new long[(int) (tableClusters * cs / 8)];
        long next = start;
        long max = geometry.maxRefcount();
        for (long idx : blocks) {
            byte[] block = new byte[(int) cs];
            long base = idx * epb;
            for (long c = base; c < base + epb; c++) {
                long v = c < fileClusters ? refs[(int) c] : 0;
                if (c >= start && c < areaEnd) {
                    v++;
                }
                if (v != 0) {
                    RefcountWidth.set(geometry, block, (int) (c - base), Math.min(v, max));
                }
            }
            long off = next++ * cs;
            file.writeNewMetadata("rebuilt refcount block", ByteBuffer.wrap(block), off);
            table[(int) idx] = off;
        }
        ByteBuffer tb = ByteBuffer.allocate((int) (tableClusters * cs));
        tb.asLongBuffer().put(table);
        long tableOffset = (start + nb) * cs;
        file.writeNewMetadata("rebuilt refcount table", tb, tableOffset);
        file.storage().sync();
        file.writeHeader(file.header().withRefcountOrder(geometry.refcountOrder)
                .withRefcountTable(tableOffset, (int) tableClusters));
        file.storage().sync();
        image.refcounts().load();
    }
}
