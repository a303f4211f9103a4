package org.strata.format.qcow2;

import java.io.IOException;

import org.strata.api.Preallocation;
import org.strata.api.ShallowMapping;
import org.strata.api.Storage;
import org.strata.api.UnsupportedFeatureException;

/**
 * Growing (with every preallocation mode) and shrinking the guest size: L1 growth, zeroing what a grown range
 * would otherwise show, freeing what a shrink cuts off, and truncating the file. Runs under the metadata lock.
 */
final class Resizer {

    private final Qcow2Image image;
    private final ImageFile file;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final Storage data;
    private final DataWriter writer;
    private final ZeroWriter zeroes;

    Resizer(Qcow2Image image, DataWriter writer, ZeroWriter zeroes) {
        this.image = image;
        this.file = image.file();
        this.map = image.clusterMap();
        this.refcounts = image.refcounts();
        this.data = image.data();
        this.writer = writer;
        this.zeroes = zeroes;
    }

    void resize(long newSize, Preallocation prealloc) throws IOException {
        if (file.header().snapshotCount() > 0) {
            throw new UnsupportedFeatureException(file.name() + ": Can't resize an image which has snapshots");
        }
        Bitmaps.Directory bitmaps = Bitmaps.read(file);
        if (bitmaps != null && !bitmaps.bitmaps().isEmpty()) {
            throw new UnsupportedFeatureException(file.name() + ": Cannot resize an image with persistent bitmaps");
        }
        long oldSize = file.header().size();
        if (newSize == oldSize) {
            return;
        }
        if (newSize > oldSize) {
            grow(oldSize, newSize, prealloc);
        } else {
            if (prealloc != Preallocation.OFF) {
                throw new IllegalArgumentException("Preallocation can only be used for growing images");
            }
            shrink(newSize);
        }
    }

    private void grow(long oldSize, long newSize, Preallocation prealloc) throws IOException {
        Geometry g = file.geometry();
        if (prealloc != Preallocation.OFF && !file.header().hasDataFile()) {
            checkPreallocationFits(oldSize, newSize, prealloc);
        }
        long l1Needed = g.l1EntriesFor(newSize);
        if (l1Needed > map.l1().length) {
            map.growL1((int) l1Needed);
        }
        file.writeHeader(file.header().withSize(newSize));
        clearGrownRange(oldSize, newSize);
        if (file.header().hasDataFile()) {
            data.resize(Math.max(data.size(), newSize), prealloc == Preallocation.METADATA ? Preallocation.OFF
                    : prealloc);
        }
        if (prealloc != Preallocation.OFF) {
            preallocate(oldSize, newSize, prealloc);
        }
    }

    /**
     * On a device, refuses a preallocation that may not fit before anything changes: the image's end, plus all a
     * fully allocated image of the grown range's size holds, plus a new L1 table (an upper bound).
     */
    private void checkPreallocationFits(long oldSize, long newSize, Preallocation prealloc) throws IOException {
        FixedSize.checkPreallocation(file.storage(), prealloc);
        Geometry g = file.geometry();
        long grown = roundUp(newSize, g.clusterSize) - g.clusterStart(oldSize);
        long l1 = roundUp(g.l1EntriesFor(newSize) * 8, g.clusterSize);
        long metadataAndData = Measure.preallocSize(grown, g.clusterSize, g.refcountOrder, g.extendedL2);
        FixedSize.checkFits(file.storage(), (refcounts.imageEnd() << g.clusterBits) + metadataAndData + l1);
    }

    /**
     * The grown range must read as zeroes: the old last (sub)cluster may hold stale bytes past the old end, and a
     * larger backing file would show through unallocated clusters.
     */
    private void clearGrownRange(long oldSize, long newSize) throws IOException {
        Geometry g = file.geometry();
        long unit = g.subclusterSize;
        long edgeEnd = Math.min(newSize, (oldSize + unit - 1) / unit * unit);
        if (edgeEnd > oldSize) {
            ShallowMapping m = image.mappingLocked(oldSize, edgeEnd - oldSize);
            if (!(m instanceof ShallowMapping.Zero)) {
                writeZeroData(oldSize, edgeEnd - oldSize);
            }
        }
        long backingSize = image.backing() != null ? image.backing().size() : 0;
        long to = Math.min(newSize, backingSize);
        if (to > edgeEnd) {
            if (!zeroes.zero(edgeEnd, to - edgeEnd, false)) {
                writeZeroData(edgeEnd, to - edgeEnd);
            }
        }
    }

    private void writeZeroData(long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            ShallowMapping.Raw raw = writer.ensureDataMapping(offset + done, length - done, true);
            long n = Math.min(raw.length(), length - done);
            data.writeZeroes(raw.offset(), n, false);
            done += n;
        }
    }

    /** Allocates every cluster of {@code [from, to)} (metadata), and reserves or writes its space (falloc, full). */
    private void preallocate(long from, long to, Preallocation mode) throws IOException {
        Geometry g = file.geometry();
        long fileEnd = file.storage().size();
        long maxHostEnd = 0;
        for (long c = g.clusterStart(from); c < to; ) {
            long l2End = (c / ((long) g.l2Entries << g.clusterBits) + 1) * ((long) g.l2Entries << g.clusterBits);
            long runEnd = Math.min(l2End, (to + g.clusterSize - 1) / g.clusterSize * g.clusterSize);
            int n = 0;
            long first = c;
            while (first < runEnd && isAllocated(first)) {
                first += g.clusterSize;
            }
            long last = first;
            while (last < runEnd && !isAllocated(last)) {
                last += g.clusterSize;
                n++;
            }
            if (n == 0) {
                c = Math.max(runEnd, last);
                continue;
            }
            long host = file.header().hasDataFile() ? first : refcounts.allocate(n);
            if (!file.header().hasDataFile()) {
                file.requireNoOverlap(host, (long) n << g.clusterBits, "preallocated cluster");
                if (host < fileEnd) {
                    file.storage().writeZeroes(host, Math.min((long) n << g.clusterBits, fileEnd - host), false);
                }
            }
            long l2 = map.l2ForWrite(first);
            for (int i = 0; i < n; i++) {
                long guest = first + ((long) i << g.clusterBits);
                ClusterMap.Slot old = map.slot(guest);
                // As qemu-img: with extended L2 entries the host cluster is reserved, its subclusters stay
                // unallocated (zeroes, or the backing file's data).
                map.set(l2, old.index(), (host + ((long) i << g.clusterBits)) | L2Entry.COPIED, 0);
            }
            maxHostEnd = Math.max(maxHostEnd, host + ((long) n << g.clusterBits));
            c = last;
        }
        // Clusters reused inside the file were zeroed above; new ones past its end are reserved or written here.
        if (!file.header().hasDataFile() && maxHostEnd > file.storage().size()) {
            file.storage().resize(maxHostEnd, mode == Preallocation.METADATA ? Preallocation.OFF : mode);
        }
    }

    private boolean isAllocated(long guest) throws IOException {
        ClusterMap.Slot slot = map.slot(guest);
        return slot.entry() != 0 || slot.bitmap() != 0;
    }

    private void shrink(long newSize) throws IOException {
        Geometry g = file.geometry();
        long keepEnd = roundUp(newSize, g.subclusterSize);
        long oldEnd = file.header().size();
        if (keepEnd < oldEnd) {
            zeroes.unallocate(keepEnd, roundUp(oldEnd, g.clusterSize) - keepEnd, true);
        }
        // L2 tables wholly past the new end are freed too.
        long[] l1 = map.l1();
        long firstUnused = g.l1EntriesFor(newSize);
        for (int i = (int) firstUnused; i < l1.length; i++) {
            long off = l1[i] & L2Entry.OFFSET_MASK;
            if (off != 0) {
                map.setL1(i, 0);
                map.cache().drop(off);
                refcounts.freeLater(off, g.clusterSize);
            }
        }
        file.writeHeader(file.header().withSize(newSize));
        image.flushLocked();
        if (file.header().hasDataFile()) {
            data.resize(newSize, Preallocation.OFF);
            return;
        }
        long last = refcounts.lastUsedCluster();
        long end = (last + 1) << g.clusterBits;
        refcounts.truncatedTo(last + 1);
        Storage storage = file.storage();
        if (end < storage.size() && !storage.fixedSize()) {
            storage.sync();
            storage.resize(end, Preallocation.OFF);
        }
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
