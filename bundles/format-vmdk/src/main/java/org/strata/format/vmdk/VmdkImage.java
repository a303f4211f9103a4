package org.strata.format.vmdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.strata.api.BlockStatusSource;
import org.strata.api.CheckResult;
import org.strata.api.FormatAccess;
import org.strata.api.FormatImage;
import org.strata.api.ImageContext;
import org.strata.api.ImageFormatException;
import org.strata.api.ImageInfo;
import org.strata.api.Preallocation;
import org.strata.api.RepairMode;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * An open VMDK image: its extents one after the other in the guest's address space, and the parent named by
 * {@code parentFileNameHint}. Mappings come from the extents; unallocated grains show the parent (or zeroes).
 *
 * <p>CIDs as QEMU keeps them: the first write after opening gives the image a new random CID (so children made
 * from it no longer match), and reads through a parent whose CID is not the recorded parent CID fail. To catch the
 * first write, data mappings stay read-only until the CID has been renewed: the engine then asks
 * {@link #ensureDataMapping}, which renews it.
 */
final class VmdkImage implements FormatImage {

    private final Storage storage;
    private final boolean writable;
    private final Layout layout;
    private final List<Extent> extents = new ArrayList<>();
    private final long size;
    private final FormatAccess parent;
    /**
     * Why reads of unallocated ranges fail (the parent's CID is not the one recorded, as QEMU checks), or null: such
     * ranges then map to data only this driver can read, and reading it fails.
     */
    private final String parentMismatch;
    private final Extent.Below cowSource;
    private volatile boolean cidRenewed;

    private VmdkImage(Storage storage, ImageContext context, Layout layout) throws IOException {
        this.storage = storage;
        this.writable = context.writable() && storage.isWritable();
        this.layout = layout;
        long total = 0;
        for (Layout.Placed p : layout.extents()) {
            extents.add(p.extent());
            total += p.extent().length();
        }
        this.size = total;
        String hint = layout.parentFileNameHint();
        this.parent = hint != null && context.openBacking() ? context.openBacking(hint, "vmdk") : null;
        this.parentMismatch = parent == null ? null : ParentCid.mismatch(this, parent);
        this.cowSource = new Extent.Below() {
            @Override
            public boolean exists() {
                return parent != null;
            }

            @Override
            public void read(ByteBuffer dst, long offset) throws IOException {
                if (parentMismatch != null) {
                    throw new ImageFormatException(parentMismatch);
                }
                parent.read(dst, offset);
            }
        };
    }

    static VmdkImage open(Storage storage, ImageContext context) throws IOException {
        return new VmdkImage(storage, context, Layout.read(storage, context));
    }

    /** The CID the image had when it was opened. */
    long cid() {
        return layout.cid();
    }

    long parentCid() {
        return layout.parentCid();
    }

    String location() {
        return storage.location();
    }

    List<Extent> extents() {
        return extents;
    }

    @Override
    public String formatName() {
        return "vmdk";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    /** As QEMU's write-zeroes alignment: the largest grain of the sparse extents (a sector without any). */
    @Override
    public long zeroGranularity() {
        long g = 512;
        for (Extent e : extents) {
            if (e instanceof SparseExtent s) {
                g = Math.max(g, s.grainSize());
            }
        }
        return g;
    }

    /** The extent holding guest {@code offset} (inside the image). */
    private Extent extentAt(long offset) {
        int lo = 0;
        int hi = extents.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (extents.get(mid).start() <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return extents.get(lo);
    }

    @Override
    public ShallowMapping getMapping(long offset, long maxLength) throws IOException {
        Extent e = extentAt(offset);
        Extent.Run r = e.lookup(offset - e.start(), maxLength);
        return switch (r.kind()) {
            case DATA -> new ShallowMapping.Raw(r.storage(), r.hostOffset(), r.length(), writable && cidRenewed);
            case STAGED -> new ShallowMapping.Raw(r.storage(), r.hostOffset(), r.length(), false);
            case COMPRESSED -> new ShallowMapping.Special(offset, r.length());
            case ZERO -> new ShallowMapping.Zero(true, r.length());
            case UNALLOCATED -> parent == null ? new ShallowMapping.Zero(false, r.length())
                    : parentMismatch != null ? new ShallowMapping.Special(offset, r.length())
                    : new ShallowMapping.Indirect(parent, offset, r.length());
        };
    }

    /**
     * Flat extents are the guest's bytes as they are: their holes are zeroes, as QEMU reports them (its
     * BDRV_BLOCK_RECURSE for flat extents). The source is declared per image, so a descriptor that mixes flat and
     * sparse extents has holes under its sparse grains read as zeroes too; grains are written whole, so such holes
     * do not occur in practice.
     */
    @Override
    public BlockStatusSource blockStatusSource() {
        for (Extent e : extents) {
            if (e instanceof FlatExtent) {
                return BlockStatusSource.MAPPINGS_AND_STORAGE_HOLES;
            }
        }
        return BlockStatusSource.MAPPINGS;
    }

    @Override
    public ShallowMapping.Raw ensureDataMapping(long offset, long length, boolean overwrite) throws IOException {
        Extent e = extentAt(offset);
        ShallowMapping.Raw raw = e.ensureData(offset - e.start(), Math.min(length, e.start() + e.length() - offset),
                overwrite, cowSource);
        renewCid();
        return raw;
    }

    @Override
    public void readSpecial(ByteBuffer dst, long offset) throws IOException {
        Extent e = extentAt(offset);
        if (parentMismatch != null && e.lookup(offset - e.start(), 1).kind() == Extent.Kind.UNALLOCATED) {
            throw new ImageFormatException(parentMismatch);
        }
        e.readCompressed(dst, offset - e.start());
    }

    /** As QEMU: zeroed grains where every piece of the range is a whole grain of an extent that has them. */
    @Override
    public boolean ensureZeroMapping(long offset, long length) throws IOException {
        List<long[]> pieces = new ArrayList<>();
        for (long pos = offset; pos < offset + length; ) {
            Extent e = extentAt(pos);
            long n = Math.min(offset + length, e.start() + e.length()) - pos;
            if (!e.canZero(pos - e.start(), n)) {
                return false;
            }
            pieces.add(new long[] {pos, n});
            pos += n;
        }
        renewCid();
        for (long[] p : pieces) {
            Extent e = extentAt(p[0]);
            e.zero(p[0] - e.start(), p[1]);
        }
        return true;
    }

    @Override
    public boolean discardToZero(long offset, long length) throws IOException {
        return ensureZeroMapping(offset, length);
    }

    /** VMDK has no discard: the data stays, as with QEMU. */
    @Override
    public void discardToAny(long offset, long length) {
        // nothing to do
    }

    @Override
    public void discardToBacking(long offset, long length) throws IOException {
        throw new UnsupportedFeatureException("vmdk images cannot unallocate data");
    }

    /** QEMU's first write after opening: a new random CID in the descriptor (everything else in it kept). */
    private void renewCid() throws IOException {
        if (cidRenewed || !writable) {
            return;
        }
        synchronized (this) {
            if (!cidRenewed) {
                CidWriter.write(storage, layout.descOffset(), ThreadLocalRandom.current().nextInt());
                cidRenewed = true;
            }
        }
    }

    @Override
    public void flush() throws IOException {
        for (Extent e : extents) {
            e.flush();
        }
    }

    @Override
    public void invalidateCache() throws IOException {
        for (Extent e : extents) {
            e.clearCache();
        }
    }

    @Override
    public void resize(long newSize, Preallocation prealloc) throws IOException {
        throw new UnsupportedFeatureException("Image format driver does not support resize");
    }

    /** The image's own file first, then the extents' other files. */
    @Override
    public List<Storage> storages() {
        List<Storage> out = new ArrayList<>();
        out.add(storage);
        for (Extent e : extents) {
            if (e.storage() != storage) {
                out.add(e.storage());
            }
        }
        return out;
    }

    /** As QEMU: the descriptor's file and every extent's. */
    @Override
    public long allocatedSize() throws IOException {
        long sum = 0;
        for (Storage s : storages()) {
            long n = s.allocatedSize();
            if (n < 0) {
                return -1;
            }
            sum += n;
        }
        return sum;
    }

    @Override
    public FormatAccess backing() {
        return parent;
    }

    @Override
    public ImageInfo info() {
        return new ImageInfo(size, clusterSize(), false, layout.parentFileNameHint(),
                layout.parentFileNameHint() != null ? "vmdk" : null, formatSpecific(), List.of(), false);
    }

    /** As QEMU's get_info: the grain size when every extent is sparse alike, else none. */
    private long clusterSize() {
        Extent first = extents.get(0);
        if (!(first instanceof SparseExtent s)) {
            return 0;
        }
        for (Extent e : extents) {
            if (!(e instanceof SparseExtent o) || o.grainSize() != s.grainSize()
                    || o.header().compressed() != s.header().compressed()) {
                return 0;
            }
        }
        return s.grainSize();
    }

    /** qemu-img info's vmdk data, keys in QEMU's order. */
    private Map<String, Object> formatSpecific() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cid", layout.cid());
        m.put("parent-cid", layout.parentCid());
        m.put("create-type", layout.createType());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Layout.Placed p : layout.extents()) {
            list.add(p.extent().info(p.fileName(), p.type()));
        }
        m.put("extents", list);
        return m;
    }

    @Override
    public CheckResult check(RepairMode mode) throws IOException {
        if (mode != RepairMode.NONE) {
            throw new UnsupportedFeatureException("This image format does not support checks");
        }
        return Checker.check(extents, size);
    }

    @Override
    public void close() {
        // the storages and the parent belong to the context
    }
}
