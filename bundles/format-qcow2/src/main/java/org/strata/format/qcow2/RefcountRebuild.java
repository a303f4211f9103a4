package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Writes a whole new refcount structure (table and blocks) from the references the metadata makes, then switches
 * the header to it. Used by {@code check -r all} when refcounts are 0 where they are needed or their structure is
 * broken, when the dirty bit says the refcounts cannot be trusted, and by amend to change the refcount width.
 *
 * <p>The new structure goes where qemu-img's rebuild puts it, so that both leave the same image: the references
 * counted include the old structure, so its clusters are kept while the new one is written (a crash before the
 * header switches leaves the old one whole); each new refcount block takes the first free cluster from the start
 * of the range it covers, and the table the first free clusters of the file; the blocks covering the table's
 * clusters are written again. Afterwards the old structure's clusters are leaked (refcount 1, no reference): the
 * check that follows a rebuild frees them (and says so, where qemu-img does).
 */
final class RefcountRebuild {

    private final Qcow2Image image;
    private final ImageFile file;

    RefcountRebuild(Qcow2Image image) {
        this.image = image;
        this.file = image.file();
    }

    /**
     * The references of everything, the refcount structures included, as qemu-img counts them for a rebuild; with
     * {@code growFile}, refcount blocks past the end of the file are brought inside it (check -r all).
     */
    static References countAll(Qcow2Image image, boolean growFile) throws IOException {
        References r = new References(image);
        r.countMetadata();
        r.countRefcountStructures(growFile);
        return r;
    }

    /** Rebuilds from freshly counted references, with the refcount width the image has; the old structure leaks. */
    void rebuild() throws IOException {
        rebuild(countAll(image, false));
    }

    /** Rebuilds from the references {@code counted} ({@link #countAll}); the old structure leaks. */
    void rebuild(References counted) throws IOException {
        write(counted, file.geometry());
    }

    /** Rebuilds with refcounts of {@code 2^refcountOrder} bits; the old structure leaks. */
    void rebuild(int refcountOrder) throws IOException {
        Header h = file.header();
        write(countAll(image, false), new Geometry(h.clusterBits(), h.extendedL2(), refcountOrder));
    }

    private void write(References counted, Geometry geometry) throws IOException {
        Placement p = new Placement(counted.refs, counted.fileClusters, geometry);
        p.writeBlocks(0, counted.fileClusters);
        long tableOffset;
        long tableClusters;
        do {
            tableClusters = Math.max(1, (p.table.length * 8L + geometry.clusterSize - 1) / geometry.clusterSize);
            if (tableClusters * geometry.clusterSize > Header.MAX_REFTABLE_BYTES) {
                throw new IOException(file.name() + ": the rebuilt refcount table would exceed its maximum size");
            }
            long first = p.allocate((int) tableClusters, 0);
            tableOffset = first << geometry.clusterBits;
            // the table's own refcounts: written into their blocks (which may need a new block, and so a bigger table)
        } while (p.writeBlocks(tableOffset >>> geometry.clusterBits,
                (tableOffset >>> geometry.clusterBits) + tableClusters));
        ByteBuffer tb = ByteBuffer.allocate((int) (tableClusters * geometry.clusterSize));
        tb.asLongBuffer().put(p.table);
        file.writeNewMetadata("rebuilt refcount table", tb, tableOffset);
        file.storage().sync();
        file.writeHeader(file.header().withRefcountOrder(geometry.refcountOrder)
                .withRefcountTable(tableOffset, (int) tableClusters));
        file.storage().sync();
        image.refcounts().load();
    }

    /** The refcounts being built (growing as clusters are taken for the new structure), and its table. */
    private final class Placement {
        private final Geometry geometry;
        private int[] refs;
        private long clusters;
        long[] table = new long[0];

        Placement(int[] counted, long clusters, Geometry geometry) {
            this.refs = Arrays.copyOf(counted, (int) Math.max(1, clusters));
            this.clusters = clusters;
            this.geometry = geometry;
        }

        private int ref(long c) {
            return c < clusters ? refs[(int) c] : 0;
        }

        /** Takes the first {@code count} contiguous free clusters at or after {@code from}; the first one. */
        long allocate(int count, long from) throws IOException {
            long c = from;
            int run = 0;
            for (; c < clusters && run < count; c++) {
                run = ref(c) == 0 ? run + 1 : 0;
            }
            long first = c - run;
            long end = first + count;
            if (end > clusters) {
                if (end > Integer.MAX_VALUE - 16) {
                    throw new IOException(file.name() + ": image file too large for a refcount rebuild");
                }
                if (end > refs.length) {
                    refs = Arrays.copyOf(refs, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(end, 2L * refs.length)));
                }
                clusters = end;
            }
            for (long i = first; i < end; i++) {
                refs[(int) i] = 1;
            }
            return first;
        }

        /**
         * Writes the block of every range of {@code [first, end)} with a cluster in use, taking a cluster for each
         * block not yet placed; whether the table had to grow for it.
         */
        boolean writeBlocks(long first, long end) throws IOException {
            boolean grown = false;
            long epb = geometry.refblockEntries;
            for (long c = first; c < end; c++) {
                if (ref(c) == 0) {
                    continue;
                }
                int idx = (int) (c >>> geometry.refblockBits);
                long start = (long) idx << geometry.refblockBits;
                if (idx >= table.length || table[idx] == 0) {
                    long block = allocate(1, start);
                    end = Math.max(end, block + 1);
                    if (idx >= table.length) {
                        int perCluster = (int) (geometry.clusterSize / 8);
                        table = Arrays.copyOf(table, (idx / perCluster + 1) * perCluster);
                        grown = true;
                    }
                    table[idx] = block << geometry.clusterBits;
                }
                byte[] bytes = new byte[(int) geometry.clusterSize];
                for (long i = 0; i < epb; i++) {
                    long v = ref(start + i);
                    if (v != 0) {
                        RefcountWidth.set(geometry, bytes, (int) i, Math.min(v, geometry.maxRefcount()));
                    }
                }
                file.writeNewMetadata("rebuilt refcount block", ByteBuffer.wrap(bytes), table[idx]);
                c = start + epb - 1;
            }
            return grown;
        }
    }
}
