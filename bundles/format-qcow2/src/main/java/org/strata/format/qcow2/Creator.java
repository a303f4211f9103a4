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
        long cs = 1L << o.clusterBits;
        Header h = new Header();
        h.version = o.version;
        h.clusterBits = o.clusterBits;
        h.size = 0;
        h.refcountTableOffset = cs;
        h.refcountTableClusters = 1;
        h.refcountOrder = o.refcountOrder;
        h.headerLength = o.version >= 3 ? Header.V3_LENGTH : Header.V2_LENGTH;
        h.compressionType = o.compressionType;
        if (o.compressionType != Compression.ZLIB) {
            h.incompatible |= Header.INCOMPAT_COMPRESSION;
        }
        if (o.extendedL2) {
            h.incompatible |= Header.INCOMPAT_EXTL2;
        }
        if (o.dataFile != null) {
            h.incompatible |= Header.INCOMPAT_DATA_FILE;
            h.extensions.setString(HeaderExtensions.DATA_FILE, o.dataFile);
        }
        if (o.dataFileRaw) {
            h.autoclear |= Header.AUTOCLEAR_DATA_FILE_RAW;
        }
        if (o.lazyRefcounts) {
            h.compatible |= Header.COMPAT_LAZY_REFCOUNTS;
        }
        if (o.backingFile != null) {
            h.backingFile = o.backingFile;
            if (o.backingFormat != null) {
                h.extensions.setString(HeaderExtensions.BACKING_FORMAT, o.backingFormat);
            }
        }
        if (o.version >= 3 && cs > 4096) {
            // qemu-img leaves the feature name table out of small clusters, to keep room for the backing name.
            h.extensions.addStandardFeatureTable();
        }
        ByteBuffer header = ByteBuffer.allocate((int) cs).put(h.encode()).clear();
        storage.write(header, 0);
        ByteBuffer table = ByteBuffer.allocate((int) cs);
        table.putLong(0, 2 * cs);
        storage.write(table, cs);
        Geometry g = new Geometry(o.clusterBits, o.extendedL2, o.refcountOrder);
        byte[] block = new byte[(int) cs];
        RefcountWidth.set(g, block, 0, 1);
        RefcountWidth.set(g, block, 1, 1);
        RefcountWidth.set(g, block, 2, 1);
        storage.write(ByteBuffer.wrap(block), 2 * cs);
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
