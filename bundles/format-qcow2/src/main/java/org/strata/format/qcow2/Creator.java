package org.strata.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

import org.strata.api.CreateRequest;
import org.strata.api.FormatAccess;
import org.strata.api.ImageContext;
import org.strata.api.Preallocation;
import org.strata.api.Storage;

/**
 * Writes a new qcow2 image as qemu-img lays it out: header in cluster 0, refcount table in cluster 1, the first
 * refcount block in cluster 2; then the image is opened and grown to its size, which places the L1 table in
 * cluster 3 and preallocates as asked.
 */
final class Creator {

    private Creator() {
    }

    static Map<String, String> create(Storage storage, CreateRequest req, ImageContext context) throws IOException {
        CreateOptions o = CreateOptions.parse(req);
        long size = o.size;
        if (o.backingFile != null && req.openBacking()) {
            FormatAccess b = context.openBacking(o.backingFile, o.backingFormat);
            if (size < 0) {
                size = b.size();
            }
        }
        o.checkSize(size);
        o.printed.put("size", Long.toString(size));
        size = (size + 511) / 512 * 512;
        Preallocation prealloc = o.prealloc;
        if (o.dataFileRaw && prealloc == Preallocation.OFF) {
            // Without allocated L2 entries the raw data file's content would not show through qcow2.
            prealloc = Preallocation.METADATA;
        }
        checkFits(storage, o, size, prealloc);
        Storage dataStorage = o.dataFile != null ? context.createFile(o.dataFile) : null;
        writeSkeleton(storage, o);
        ImageContext inner = new CreationContext(context, storage.location(), dataStorage);
        try (Qcow2Image image = Qcow2Image.open(storage, inner)) {
            image.resize(size, prealloc);
        }
        storage.flush();
        return o.printed;
    }

    /**
     * On a storage of fixed size (a block device) the new image must fit before anything is written: its header,
     * L1 table and the refcount structure for them; with preallocation everything a fully allocated image holds
     * but the data that goes to an external data file.
     */
    private static void checkFits(Storage storage, CreateOptions o, long size, Preallocation prealloc)
            throws IOException {
        if (o.dataFile == null) {
            FixedSize.checkPreallocation(storage, prealloc);
        }
        long cs = 1L << o.clusterBits;
        long headerAndL1 = 1 + (Geometry.l1EntriesFor(size, o.clusterBits, o.extendedL2) * 8 + cs - 1) / cs;
        long end = headerAndL1 * cs + Measure.refcountMetadataSize(headerAndL1, cs, o.refcountOrder);
        if (prealloc != Preallocation.OFF) {
            long aligned = (size + cs - 1) / cs * cs;
            long data = o.dataFile != null ? aligned : 0;
            end = Measure.preallocSize(aligned, cs, o.refcountOrder, o.extendedL2) - data;
        }
        FixedSize.checkFits(storage, end);
    }

    /** Writes clusters 0 to 2 (a storage just created is empty, or a device whose old bytes do not matter). */
    private static void writeSkeleton(Storage storage, CreateOptions o) throws IOException {
        Header h = Header.forNewImage(o.version, o.clusterBits, o.refcountOrder, o.compressionType, o.extendedL2)
                .withLazyRefcounts(o.lazyRefcounts);
        if (o.dataFile != null) {
            h = h.withDataFile(o.dataFile).withDataFileRaw(o.dataFileRaw);
        }
        if (o.backingFile != null) {
            h = h.withBackingFile(o.backingFile, o.backingFormat);
        }
        long cs = h.clusterSize();
        ImageFile file = new ImageFile(storage, h, true);
        file.writeHeader(h);
        ByteBuffer table = ByteBuffer.allocate((int) cs);
        table.putLong(0, 2 * cs);
        file.updateMetadata(Metadata.REFCOUNT_TABLE, table, cs);
        Geometry g = file.geometry();
        byte[] block = new byte[(int) cs];
        RefcountWidth.set(g, block, 0, 1);
        RefcountWidth.set(g, block, 1, 1);
        RefcountWidth.set(g, block, 2, 1);
        file.updateMetadata(Metadata.REFCOUNT_BLOCK, ByteBuffer.wrap(block), 2 * cs);
    }

    /** The caller's context, except that the new data file is the one just created. */
    private record CreationContext(ImageContext outer, String location, Storage dataFile) implements ImageContext {

        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public boolean openBacking() {
            return false;
        }

        @Override
        public FormatAccess openBacking(String reference, String format) throws IOException {
            return outer.openBacking(reference, format);
        }

        @Override
        public Storage openFile(String reference, boolean writable) throws IOException {
            return dataFile != null ? dataFile : outer.openFile(reference, writable);
        }

        @Override
        public Storage createFile(String reference) throws IOException {
            return outer.createFile(reference);
        }
    }
}
